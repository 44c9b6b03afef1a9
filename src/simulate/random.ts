/** @module A seeded pseudo-random generator: the simulator's only source of randomness. */

/** Draws from one seeded stream. The same seed always gives the same sequence of draws. */
export interface Random {
  /** A float in [0, 1). */
  next(): number
  /** An integer in [min, max], both included. */
  int(min: number, max: number): number
  /** True with probability `p`. */
  chance(p: number): boolean
  pick<T>(items: readonly T[]): T
  /** One of `items`, with probability proportional to its weight. */
  weighted<T>(items: readonly T[], weights: readonly number[]): T
  /** A normal (Gaussian) draw. */
  normal(mean?: number, sd?: number): number
  /** A log-normal draw: `median` × e^N(0, sigma). */
  logNormal(median: number, sigma: number): number
  /** A version-4-shaped UUID (RFC 9562 §5.4 layout) made of seeded bits, lower case. */
  uuid(): string
}

/**
 * cyrb128: a fast 128-bit string hash, used only to turn a seed string into the four 32-bit
 * words of the generator's state (so nearby seeds like `a/1` and `a/2` give unrelated streams).
 */
function hash128(text: string): [number, number, number, number] {
  let h1 = 1779033703
  let h2 = 3144134277
  let h3 = 1013904242
  let h4 = 2773480762
  for (let i = 0; i < text.length; i++) {
    const k = text.charCodeAt(i)
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067)
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233)
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213)
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179)
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067)
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233)
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213)
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179)
  h1 ^= h2 ^ h3 ^ h4
  h2 ^= h1
  h3 ^= h1
  h4 ^= h1
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0]
}

const HEX: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
)

function hex32(word: number): string {
  return (
    (HEX[(word >>> 24) & 255] ?? '') +
    (HEX[(word >>> 16) & 255] ?? '') +
    (HEX[(word >>> 8) & 255] ?? '') +
    (HEX[word & 255] ?? '')
  )
}

/**
 * A generator seeded by a string. The algorithm is sfc32 (Chris Doty-Humphrey's Small Fast
 * Chaotic PRNG, 128-bit state): plain 32-bit integer arithmetic, so every platform and Node
 * version produces the same draws. Derive independent streams by seeding with a path, e.g.
 * `${seed}/learner/42`.
 */
export function createRandom(seed: string): Random {
  let [a, b, c, d] = hash128(seed)
  const word = (): number => {
    a >>>= 0
    b >>>= 0
    c >>>= 0
    d >>>= 0
    let t = (a + b) | 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) | 0
    c = (c << 21) | (c >>> 11)
    d = (d + 1) | 0
    t = (t + d) | 0
    c = (c + t) | 0
    return t >>> 0
  }
  // The first outputs of a freshly seeded sfc32 are poorly mixed; discard them.
  for (let i = 0; i < 12; i++) word()
  const next = (): number => word() / 4294967296

  let spare: number | undefined
  const standardNormal = (): number => {
    if (spare !== undefined) {
      const value = spare
      spare = undefined
      return value
    }
    // Box-Muller: two uniforms → two independent standard normals.
    const u = 1 - next()
    const v = next()
    const radius = Math.sqrt(-2 * Math.log(u))
    spare = radius * Math.sin(2 * Math.PI * v)
    return radius * Math.cos(2 * Math.PI * v)
  }

  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    chance: (p) => next() < p,
    pick<T>(items: readonly T[]): T {
      const item = items[Math.floor(next() * items.length)]
      if (item === undefined) throw new RangeError('pick from an empty list')
      return item
    },
    weighted<T>(items: readonly T[], weights: readonly number[]): T {
      const total = weights.reduce((sum, w) => sum + w, 0)
      let draw = next() * total
      for (let i = 0; i < items.length; i++) {
        draw -= weights[i] ?? 0
        const item = items[i]
        if (draw < 0 && item !== undefined) return item
      }
      const last = items[items.length - 1]
      if (last === undefined) throw new RangeError('weighted pick from an empty list')
      return last
    },
    normal: (mean = 0, sd = 1) => mean + sd * standardNormal(),
    logNormal: (median, sigma) => median * Math.exp(sigma * standardNormal()),
    uuid() {
      const w1 = word()
      // Version 4 in the high nibble of the 7th byte, variant 10xx in the 9th (RFC 9562 §4).
      const w2 = ((word() & 0xffff0fff) | 0x00004000) >>> 0
      const w3 = ((word() & 0x3fffffff) | 0x80000000) >>> 0
      const w4 = word()
      const h2 = hex32(w2)
      const h3 = hex32(w3)
      return `${hex32(w1)}-${h2.slice(0, 4)}-${h2.slice(4)}-${h3.slice(0, 4)}-${h3.slice(4)}${hex32(w4)}`
    },
  }
}

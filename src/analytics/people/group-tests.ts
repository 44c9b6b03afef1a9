/**
 * @module The significance tests of cohort comparisons (analytics-definitions.md §10): the
 * two-proportion z-test for rates and Welch's t-test for means, two-sided, with a 95% interval
 * of the difference (normal approximation, z = 1.96). Pure.
 */

/** Standard normal CDF (Abramowitz & Stegun 7.1.26 erf, |error| < 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2
  const t = 1 / (1 + 0.3275911 * x)
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x)
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2
}

function logGamma(x: number): number {
  // Lanczos approximation (g = 7, n = 9).
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
    -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const y = x - 1
  let a = c[0] ?? 0
  const t = y + 7.5
  for (let i = 1; i < 9; i++) a += (c[i] ?? 0) / (y + i)
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a)
}

/** Continued fraction of the regularized incomplete beta (Numerical Recipes `betacf`). */
function betaFraction(a: number, b: number, x: number): number {
  const tiny = 1e-30
  let c = 1
  let d = 1 - ((a + b) * x) / (a + 1)
  if (Math.abs(d) < tiny) d = tiny
  d = 1 / d
  let h = d
  for (let m = 1; m <= 200; m++) {
    const m2 = 2 * m
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    h *= d * c
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1))
    d = 1 + aa * d
    if (Math.abs(d) < tiny) d = tiny
    c = 1 + aa / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const delta = d * c
    h *= delta
    if (Math.abs(delta - 1) < 1e-12) break
  }
  return h
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0
  if (x >= 1) return 1
  const front = Math.exp(
    logGamma(a + b) - logGamma(a) - logGamma(b) + a * Math.log(x) + b * Math.log(1 - x),
  )
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b
}

/** Two-sided p-value of Student's t with `df` degrees of freedom. */
export function studentTwoSidedP(t: number, df: number): number {
  return incompleteBeta(df / (df + t * t), df / 2, 0.5)
}

export interface TestResult {
  test: 'two-proportion z' | 'Welch t'
  statistic: number | null
  /** Welch: Welch–Satterthwaite degrees of freedom. */
  df?: number | null
  p: number | null
  /** 95% interval of the difference (first − second), normal approximation. */
  ci: [number, number] | null
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6

/** Two-proportion z-test of x1/n1 against x2/n2 (pooled standard error). */
export function twoProportionTest(x1: number, n1: number, x2: number, n2: number): TestResult {
  if (n1 === 0 || n2 === 0) return { test: 'two-proportion z', statistic: null, p: null, ci: null }
  const p1 = x1 / n1
  const p2 = x2 / n2
  const pooled = (x1 + x2) / (n1 + n2)
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
  const seDiff = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2)
  const z = se === 0 ? null : (p1 - p2) / se
  return {
    test: 'two-proportion z',
    statistic: z === null ? null : r6(z),
    p: z === null ? null : r6(2 * (1 - normalCdf(Math.abs(z)))),
    ci: [r6(p1 - p2 - 1.96 * seDiff), r6(p1 - p2 + 1.96 * seDiff)],
  }
}

/** Welch's t-test of two samples' means. */
export function welchTest(a: readonly number[], b: readonly number[]): TestResult {
  const stats = (xs: readonly number[]) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length
    const v = xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1)
    return { m, v, n: xs.length }
  }
  if (a.length < 2 || b.length < 2)
    return { test: 'Welch t', statistic: null, df: null, p: null, ci: null }
  const x = stats(a)
  const y = stats(b)
  const se2 = x.v / x.n + y.v / y.n
  if (se2 === 0) return { test: 'Welch t', statistic: null, df: null, p: null, ci: null }
  const t = (x.m - y.m) / Math.sqrt(se2)
  const df = se2 ** 2 / ((x.v / x.n) ** 2 / (x.n - 1) + (y.v / y.n) ** 2 / (y.n - 1))
  return {
    test: 'Welch t',
    statistic: r6(t),
    df: r6(df),
    p: r6(studentTwoSidedP(t, df)),
    ci: [r6(x.m - y.m - 1.96 * Math.sqrt(se2)), r6(x.m - y.m + 1.96 * Math.sqrt(se2))],
  }
}

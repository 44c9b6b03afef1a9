/**
 * @module Logistic regression with an L2 penalty, fitted by Newton's method (IRLS), and the
 * ranking measures it is judged by: ROC AUC and precision at the top k (analytics definitions
 * §12). Small and dependency-free: a handful of features, thousands of rows.
 */

export interface LogisticModel {
  readonly intercept: number
  readonly coefficients: readonly number[]
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z))

/** Solves A x = b (A symmetric positive definite here) by Gaussian elimination with pivoting. */
function solve(a: number[][], b: number[]): number[] {
  const n = b.length
  const m = a.map((row, i) => [...row, b[i] ?? 0])
  for (let col = 0; col < n; col++) {
    let pivot = col
    for (let r = col + 1; r < n; r++)
      if (Math.abs(m[r]?.[col] ?? 0) > Math.abs(m[pivot]?.[col] ?? 0)) pivot = r
    const tmp = m[col] as number[]
    m[col] = m[pivot] as number[]
    m[pivot] = tmp
    const p = (m[col] as number[])[col] ?? 0
    if (Math.abs(p) < 1e-12) continue
    for (let r = 0; r < n; r++) {
      if (r === col) continue
      const row = m[r] as number[]
      const factor = (row[col] ?? 0) / p
      if (factor === 0) continue
      const top = m[col] as number[]
      for (let k = col; k <= n; k++) row[k] = (row[k] ?? 0) - factor * (top[k] ?? 0)
    }
  }
  return m.map((row, i) => {
    const d = row[i] ?? 0
    return Math.abs(d) < 1e-12 ? 0 : (row[n] ?? 0) / d
  })
}

/**
 * Fits P(y=1|x) = σ(β0 + β·x). `l2` penalises the coefficients (not the intercept): it keeps
 * them finite when a feature separates the classes and shrinks noise on small histories.
 */
export function fitLogistic(
  xs: readonly (readonly number[])[],
  ys: readonly number[],
  options: { l2?: number; iterations?: number } = {},
): LogisticModel {
  const l2 = options.l2 ?? 1
  const p = (xs[0]?.length ?? 0) + 1
  let beta = new Array<number>(p).fill(0)
  for (let iteration = 0; iteration < (options.iterations ?? 25); iteration++) {
    const gradient = new Array<number>(p).fill(0)
    const hessian = Array.from({ length: p }, () => new Array<number>(p).fill(0))
    for (let i = 0; i < xs.length; i++) {
      const row = [1, ...(xs[i] ?? [])]
      let z = 0
      for (let j = 0; j < p; j++) z += (beta[j] ?? 0) * (row[j] ?? 0)
      const mu = sigmoid(z)
      const w = Math.max(mu * (1 - mu), 1e-9)
      const err = (ys[i] ?? 0) - mu
      for (let j = 0; j < p; j++) {
        gradient[j] = (gradient[j] ?? 0) + err * (row[j] ?? 0)
        const hj = hessian[j] as number[]
        for (let k = 0; k < p; k++) hj[k] = (hj[k] ?? 0) + w * (row[j] ?? 0) * (row[k] ?? 0)
      }
    }
    for (let j = 1; j < p; j++) {
      gradient[j] = (gradient[j] ?? 0) - l2 * (beta[j] ?? 0)
      const hj = hessian[j] as number[]
      hj[j] = (hj[j] ?? 0) + l2
    }
    const step = solve(hessian, gradient)
    beta = beta.map((b, j) => b + (step[j] ?? 0))
    if (Math.max(...step.map(Math.abs)) < 1e-8) break
  }
  return { intercept: beta[0] ?? 0, coefficients: beta.slice(1) }
}

/** The linear score β0 + β·x (log-odds). */
export function logit(model: LogisticModel, x: readonly number[]): number {
  let z = model.intercept
  model.coefficients.forEach((b, j) => (z += b * (x[j] ?? 0)))
  return z
}

/**
 * ROC AUC: the probability that a random positive scores above a random negative (ties count
 * half), by the rank-sum (Mann-Whitney U) formula. `null` without both classes.
 */
export function auc(scores: readonly number[], labels: readonly number[]): number | null {
  const pairs = scores.map((s, i) => ({ s, y: labels[i] ?? 0 })).sort((a, b) => a.s - b.s)
  let positives = 0
  let rankSum = 0
  for (let i = 0; i < pairs.length;) {
    let j = i
    while (j < pairs.length && pairs[j]?.s === pairs[i]?.s) j++
    const midRank = (i + 1 + j) / 2
    for (let k = i; k < j; k++)
      if (pairs[k]?.y === 1) {
        positives++
        rankSum += midRank
      }
    i = j
  }
  const negatives = pairs.length - positives
  if (positives === 0 || negatives === 0) return null
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives)
}

/**
 * Precision at the top `fraction`: the share of positives among the ceil(fraction · n) highest
 * scores. Ties at the boundary are broken by input order (stable), so a constant score gives
 * the base rate of the first rows; callers should pass rows in a neutral order.
 */
export function precisionAtTop(
  scores: readonly number[],
  labels: readonly number[],
  fraction: number,
): number | null {
  if (scores.length === 0) return null
  const k = Math.max(1, Math.ceil(fraction * scores.length))
  const top = scores
    .map((s, i) => ({ s, y: labels[i] ?? 0, i }))
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, k)
  return top.filter((r) => r.y === 1).length / k
}

// Small dense float64 Cholesky factorisation and solve (k × k, row-major): the audit's logistic
// regression and `explain` use them; the hot row solves are the kernels' own.

/**
 * In-place Cholesky factorisation of the symmetric k×k matrix A (row-major, lower triangle used)
 * into L (lower triangle of A). Returns false if a pivot is not positive.
 */
export function cholesky(A: Float64Array, k: number): boolean {
  for (let j = 0; j < k; j++) {
    let s = A[j * k + j];
    for (let p = 0; p < j; p++) s -= A[j * k + p] * A[j * k + p];
    if (!(s > 0) || !Number.isFinite(s)) return false;
    const ljj = Math.sqrt(s);
    A[j * k + j] = ljj;
    for (let i = j + 1; i < k; i++) {
      let t = A[i * k + j];
      for (let p = 0; p < j; p++) t -= A[i * k + p] * A[j * k + p];
      A[i * k + j] = t / ljj;
    }
  }
  return true;
}

/** Solve L Lᵀ x = b with L from `cholesky`; b is overwritten with x. */
export function cholSolve(L: Float64Array, k: number, b: Float64Array): void {
  for (let i = 0; i < k; i++) {
    let s = b[i];
    for (let p = 0; p < i; p++) s -= L[i * k + p] * b[p];
    b[i] = s / L[i * k + i];
  }
  for (let i = k - 1; i >= 0; i--) {
    let s = b[i];
    for (let p = i + 1; p < k; p++) s -= L[p * k + i] * b[p];
    b[i] = s / L[i * k + i];
  }
}

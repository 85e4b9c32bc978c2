// Dense Cholesky factorisation and solve of a k × k row-major float32 matrix, in place. Only the
// lower triangle (with the diagonal) is read and written; the upper triangle is ignored.
import { axpy, dot, dot4 } from './simd';

/**
 * L Lᵀ = M, L overwriting the lower triangle of M (Cholesky–Crout: L[i][j] = (M[i][j] − L_i·L_j over
 * columns < j) / L[j][j], four rows i at a time sharing the loads of row j). False as soon as a
 * pivot is not > 0 (not positive definite, or NaN): M is then partly overwritten.
 */
export function cholesky(m: usize, k: i32): bool {
  const kb = <usize>k << 2;
  let rj = m;
  for (let j = 0; j < k; j++) {
    const cj = <usize>j << 2;
    const d = load<f32>(rj + cj) - dot(rj, rj, j);
    if (!(d > 0)) return false;
    const ljj = Mathf.sqrt(d);
    store<f32>(rj + cj, ljj);
    const inv: f32 = 1 / ljj;
    let i = j + 1;
    let ri = rj + kb;
    for (; i + 4 <= k; i += 4) {
      const s = dot4(rj, ri, ri + kb, ri + 2 * kb, ri + 3 * kb, j);
      let c = ri + cj;
      store<f32>(c, (load<f32>(c) - f32x4.extract_lane(s, 0)) * inv);
      c += kb;
      store<f32>(c, (load<f32>(c) - f32x4.extract_lane(s, 1)) * inv);
      c += kb;
      store<f32>(c, (load<f32>(c) - f32x4.extract_lane(s, 2)) * inv);
      c += kb;
      store<f32>(c, (load<f32>(c) - f32x4.extract_lane(s, 3)) * inv);
      ri += kb << 2;
    }
    for (; i < k; i++) {
      const c = ri + cj;
      store<f32>(c, (load<f32>(c) - dot(ri, rj, j)) * inv);
      ri += kb;
    }
    rj += kb;
  }
  return true;
}

/** Solves L Lᵀ x = v in place (v: k floats), L in the lower triangle of m. */
export function choleskySolve(m: usize, k: i32, v: usize): void {
  const kb = <usize>k << 2;
  // forward: L y = v, row by row (dot of the row prefix with the solved part)
  let row = m;
  for (let i = 0; i < k; i++) {
    const p = v + (<usize>i << 2);
    store<f32>(p, (load<f32>(p) - dot(row, v, i)) / load<f32>(row + (<usize>i << 2)));
    row += kb;
  }
  // backward: Lᵀ x = y, column-oriented so that every access is a contiguous row prefix of L
  for (let i = k - 1; i >= 0; i--) {
    row = m + <usize>i * kb;
    const p = v + (<usize>i << 2);
    const xi = load<f32>(p) / load<f32>(row + (<usize>i << 2));
    store<f32>(p, xi);
    axpy(v, row, -xi, i);
  }
}

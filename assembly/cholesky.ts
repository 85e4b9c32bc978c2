// Dense Cholesky factorisation and solve of a k × k row-major float32 matrix, in place. Only the
// lower triangle (with the diagonal) is read; L overwrites it. Values above the diagonal are not
// meaningful afterwards (the blocked factorisation leaves partial sums inside its 4 × 4 diagonal
// blocks there).
//
// k % 4 == 0: right-looking, four columns at a time. The 4 × 4 diagonal block is factored in
// scalars; the panel below it (rows i > j, columns j..j+3) is solved four rows at a time with the
// rows transposed into columns, so the triangular solve runs on vectors. The panel is also kept in
// the 4k floats after the matrix, as one 64-byte block per four rows (its four columns as vectors
// over the rows), so that the update of the trailing lower triangle,
// A[i][c] −= Σ_q L[i][j+q] L[c][j+q], reads contiguous vectors at constant offsets; two rows share
// those loads. The reciprocals of the four diagonal entries of each block are kept above the
// diagonal inside the block, for choleskySolve. Solves: blocks of four rows (dot products over whole
// vectors, then the 4 × 4 triangular block). Other k: Cholesky–Crout by dot products of row
// prefixes.
import { axpy, axpy4, dot, dot4 } from './simd';

/**
 * L Lᵀ = M, L overwriting the lower triangle of M. False as soon as a pivot is not > 0 (not
 * positive definite, or NaN): M is then partly overwritten. When k % 4 == 0, uses the 4k floats
 * after M as temporary space.
 */
export function cholesky(m: usize, k: i32): bool {
  if (k == 64) return blocked(m, 64);
  if (k == 32) return blocked(m, 32);
  if (k == 128) return blocked(m, 128);
  if ((k & 3) == 0) return blocked(m, k);
  return crout(m, k);
}

/**
 * Solves L Lᵀ x = v in place (v: k floats), m as `cholesky` left it (k % 4 == 0: it also reads the
 * reciprocals of the diagonal stored above it).
 */
export function choleskySolve(m: usize, k: i32, v: usize): void {
  if ((k & 3) == 0) blockedSolve(m, k, v);
  else croutSolve(m, k, v);
}

// @ts-ignore: decorator
@inline function blocked(m: usize, k: i32): bool {
  const kb = <usize>k << 2;
  const T = m + <usize>k * kb; // panel: block b holds L[4b..4b+4)[j + q], q < 4, at T + 64b + 16q
  for (let j = 0; j < k; j += 4) {
    const jo = <usize>j << 2;
    const d = m + <usize>j * kb + jo;
    // the 4 × 4 diagonal block, reduced by every earlier panel
    const a00 = load<f32>(d);
    if (!(a00 > 0)) return false;
    const l00 = Mathf.sqrt(a00);
    const i0: f32 = 1 / l00;
    const l10 = load<f32>(d + kb) * i0;
    const l20 = load<f32>(d + 2 * kb) * i0;
    const l30 = load<f32>(d + 3 * kb) * i0;
    const a11 = load<f32>(d + kb, 4) - l10 * l10;
    if (!(a11 > 0)) return false;
    const l11 = Mathf.sqrt(a11);
    const i1: f32 = 1 / l11;
    const l21 = (load<f32>(d + 2 * kb, 4) - l20 * l10) * i1;
    const l31 = (load<f32>(d + 3 * kb, 4) - l30 * l10) * i1;
    const a22 = load<f32>(d + 2 * kb, 8) - l20 * l20 - l21 * l21;
    if (!(a22 > 0)) return false;
    const l22 = Mathf.sqrt(a22);
    const i2: f32 = 1 / l22;
    const l32 = (load<f32>(d + 3 * kb, 8) - l30 * l20 - l31 * l21) * i2;
    const a33 = load<f32>(d + 3 * kb, 12) - l30 * l30 - l31 * l31 - l32 * l32;
    if (!(a33 > 0)) return false;
    const l33 = Mathf.sqrt(a33);
    const i3: f32 = 1 / l33;
    store<f32>(d, l00);
    store<f32>(d + kb, l10);
    store<f32>(d + kb, l11, 4);
    store<f32>(d + 2 * kb, l20);
    store<f32>(d + 2 * kb, l21, 4);
    store<f32>(d + 2 * kb, l22, 8);
    store<f32>(d + 3 * kb, l30);
    store<f32>(d + 3 * kb, l31, 4);
    store<f32>(d + 3 * kb, l32, 8);
    store<f32>(d + 3 * kb, l33, 12);
    // reciprocals of the diagonal, above it (for choleskySolve)
    store<f32>(d, i0, 4);
    store<f32>(d, i1, 8);
    store<f32>(d, i2, 12);
    store<f32>(d + kb, i3, 8);
    if (j + 4 >= k) break;
    // panel: rows i >= j + 4, four at a time, transposed so that lane r is row i + r
    const I0 = f32x4.splat(i0);
    const I1 = f32x4.splat(i1);
    const I2 = f32x4.splat(i2);
    const I3 = f32x4.splat(i3);
    const L10 = f32x4.splat(l10);
    const L20 = f32x4.splat(l20);
    const L30 = f32x4.splat(l30);
    const L21 = f32x4.splat(l21);
    const L31 = f32x4.splat(l31);
    const L32 = f32x4.splat(l32);
    let r = d + (kb << 2);
    let t = T + (jo << 2) + 64; // block of rows j + 4 .. j + 7
    const te = T + (kb << 2);
    while (t < te) {
      const a = v128.load(r);
      const b = v128.load(r + kb);
      const c = v128.load(r + 2 * kb);
      const e = v128.load(r + 3 * kb);
      const t0 = v128.shuffle<f32>(a, b, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(a, b, 2, 6, 3, 7);
      const t2 = v128.shuffle<f32>(c, e, 0, 4, 1, 5);
      const t3 = v128.shuffle<f32>(c, e, 2, 6, 3, 7);
      const x0 = f32x4.mul(v128.shuffle<f32>(t0, t2, 0, 1, 4, 5), I0);
      const x1 = f32x4.mul(f32x4.sub(v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), f32x4.mul(L10, x0)), I1);
      const x2 = f32x4.mul(
        f32x4.sub(f32x4.sub(v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), f32x4.mul(L20, x0)), f32x4.mul(L21, x1)), I2,
      );
      const x3 = f32x4.mul(f32x4.sub(f32x4.sub(f32x4.sub(
        v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), f32x4.mul(L30, x0)), f32x4.mul(L31, x1)), f32x4.mul(L32, x2)), I3);
      v128.store(t, x0);
      v128.store(t, x1, 16);
      v128.store(t, x2, 32);
      v128.store(t, x3, 48);
      const u0 = v128.shuffle<f32>(x0, x1, 0, 4, 1, 5);
      const u1 = v128.shuffle<f32>(x0, x1, 2, 6, 3, 7);
      const u2 = v128.shuffle<f32>(x2, x3, 0, 4, 1, 5);
      const u3 = v128.shuffle<f32>(x2, x3, 2, 6, 3, 7);
      v128.store(r, v128.shuffle<f32>(u0, u2, 0, 1, 4, 5));
      v128.store(r + kb, v128.shuffle<f32>(u0, u2, 2, 3, 6, 7));
      v128.store(r + 2 * kb, v128.shuffle<f32>(u1, u3, 0, 1, 4, 5));
      v128.store(r + 3 * kb, v128.shuffle<f32>(u1, u3, 2, 3, 6, 7));
      r += kb << 2;
      t += 64;
    }
    // trailing lower triangle: row i, columns j + 4 .. (i | 3), minus Σ_q L[i][j+q] L[c][j+q]; the
    // panel is kept as blocks of four rows, [L[4b..4b+4)[j], .., L[4b..4b+4)[j+3]] (64 bytes each)
    let row = d + (kb << 2) + 16; // &A[j + 4][j + 4]
    const tp = T + (jo << 2) + 64; // the panel block of rows j + 4 .. j + 7
    let tb = tp;
    let end = row + 16; // row i is updated up to the end of the 4-block holding its diagonal
    for (let i = j + 4; i < k; i += 2) {
      // rows i and i + 1 (same 4-block, same end) share the loads of the panel
      const ti = tb + (<usize>(i & 3) << 2);
      const s0 = v128.load32_splat(ti);
      const s1 = v128.load32_splat(ti, 16);
      const s2 = v128.load32_splat(ti, 32);
      const s3 = v128.load32_splat(ti, 48);
      const u0 = v128.load32_splat(ti, 4);
      const u1 = v128.load32_splat(ti, 20);
      const u2 = v128.load32_splat(ti, 36);
      const u3 = v128.load32_splat(ti, 52);
      let a = row;
      let a2 = row + kb;
      let p = tp;
      while (a < end) {
        const t0 = v128.load(p);
        const t1 = v128.load(p, 16);
        const t2 = v128.load(p, 32);
        const t3 = v128.load(p, 48);
        v128.store(a, f32x4.sub(v128.load(a), f32x4.add(
          f32x4.add(f32x4.mul(s0, t0), f32x4.mul(s1, t1)), f32x4.add(f32x4.mul(s2, t2), f32x4.mul(s3, t3)),
        )));
        v128.store(a2, f32x4.sub(v128.load(a2), f32x4.add(
          f32x4.add(f32x4.mul(u0, t0), f32x4.mul(u1, t1)), f32x4.add(f32x4.mul(u2, t2), f32x4.mul(u3, t3)),
        )));
        a += 16;
        a2 += 16;
        p += 64;
      }
      row += kb << 1;
      end += kb << 1;
      if ((i & 3) == 2) {
        end += 16;
        tb += 64;
      }
    }
  }
  return true;
}

// @ts-ignore: decorator
@inline function blockedSolve(m: usize, k: i32, v: usize): void {
  const kb = <usize>k << 2;
  // forward, L y = v: rows i..i+3 take the dot products of their prefixes [0, i) with the solved
  // part, then the 4 × 4 lower triangular block (reciprocals of its diagonal: d[0][1..3], d[1][2])
  let r = m;
  for (let i = 0; i < k; i += 4) {
    const io = <usize>i << 2;
    const s = dot4(v, r, r + kb, r + 2 * kb, r + 3 * kb, i);
    const d = r + io;
    const p = v + io;
    const y0 = (load<f32>(p) - f32x4.extract_lane(s, 0)) * load<f32>(d, 4);
    const y1 = (load<f32>(p, 4) - f32x4.extract_lane(s, 1) - load<f32>(d + kb) * y0) * load<f32>(d, 8);
    const y2 = (load<f32>(p, 8) - f32x4.extract_lane(s, 2) - load<f32>(d + 2 * kb) * y0 - load<f32>(d + 2 * kb, 4) * y1)
      * load<f32>(d, 12);
    const y3 = (load<f32>(p, 12) - f32x4.extract_lane(s, 3) - load<f32>(d + 3 * kb) * y0 - load<f32>(d + 3 * kb, 4) * y1
      - load<f32>(d + 3 * kb, 8) * y2) * load<f32>(d + kb, 8);
    store<f32>(p, y0);
    store<f32>(p, y1, 4);
    store<f32>(p, y2, 8);
    store<f32>(p, y3, 12);
    r += kb << 2;
  }
  // backward, Lᵀ x = y: the 4 × 4 block (transposed), then v[0, i) −= Σ_q x_{i+q} L[i+q][0, i)
  for (let i = k - 4; i >= 0; i -= 4) {
    r = m + <usize>i * kb;
    const io = <usize>i << 2;
    const d = r + io;
    const p = v + io;
    const x3 = load<f32>(p, 12) * load<f32>(d + kb, 8);
    const x2 = (load<f32>(p, 8) - load<f32>(d + 3 * kb, 8) * x3) * load<f32>(d, 12);
    const x1 = (load<f32>(p, 4) - load<f32>(d + 2 * kb, 4) * x2 - load<f32>(d + 3 * kb, 4) * x3) * load<f32>(d, 8);
    const x0 = (load<f32>(p) - load<f32>(d + kb) * x1 - load<f32>(d + 2 * kb) * x2 - load<f32>(d + 3 * kb) * x3)
      * load<f32>(d, 4);
    store<f32>(p, x0);
    store<f32>(p, x1, 4);
    store<f32>(p, x2, 8);
    store<f32>(p, x3, 12);
    const w = f32x4.neg(v128.load(p));
    axpy4(v, r, r + kb, r + 2 * kb, r + 3 * kb, w, i);
  }
}

/**
 * Cholesky–Crout: L[i][j] = (M[i][j] − L_i·L_j over columns < j) / L[j][j], four rows i at a time
 * sharing the loads of row j.
 */
function crout(m: usize, k: i32): bool {
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

function croutSolve(m: usize, k: i32, v: usize): void {
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

// Cached inverses of the row normal matrices and their rank-one Sherman–Morrison updates, for
// forgetting a (user, item) pair in O(k²) instead of re-factoring A_u in O(k³). Same algorithms as
// the JS twin (src/kernels/js.ts):
//   invertRows:      out block r − start = A_r⁻¹, A_r = G + Σ (c − 1) y yᵀ built as solveRows builds
//                    it; Cholesky (./cholesky), then L Lᵀ x = e_j for every column j (the forward
//                    pass starts at j, the entries above j being zero), then (X + Xᵀ)/2 so that
//                    the block is exactly symmetric. A row with no stored pair gets G⁻¹ (computed
//                    once per call, copied afterwards). A row whose A_r is not positive definite
//                    is counted and its block left unchanged.
//   shermanMorrison: block ← block − s z zᵀ, z = block·v, q = vᵀz (float64), d = 1 + w q,
//                    s = w / d, refused (false, block untouched) unless d > SM_TOL·(1 + |w q|).
//                    Each entry is updated as a_ij − s·(z_i·z_j), so symmetry stays exact.
//   symv:            out = block·b.
// Every pointer is a byte address; blocks are k × k row-major float32, vectors k float32.
import { axpy, dot, dot4, dot64 } from './simd';
import { cholesky } from './cholesky';

/**
 * Relative pivot threshold of shermanMorrison. d = 1 + w vᵀA⁻¹v is the ratio det(A + w v vᵀ)/det(A);
 * in float32 it carries an absolute error of about cond(A)·6e-8·(1 + |w vᵀA⁻¹v|), so an update that
 * makes A exactly singular typically comes out with |d| ≲ 1e-6·(1 + |w q|) (cond ≲ 1e2..1e3).
 * 1e-5 refuses those reliably; a legitimate forget (d is then ≥ λ/λ_max(A) or so) is far above it.
 */
const SM_TOL: f64 = 1e-5;

export function invertRows(
  indptr: usize, indices: usize, conf: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, out: usize, scratch: usize,
): i32 {
  const kb = <usize>k << 2;
  const blockBytes = <usize>k * kb;
  const A = scratch;
  let failed = 0;
  // empty rows: 0 = not met yet, 1 = G⁻¹ is at emptyBlock, −1 = G is not positive definite
  let emptyState = 0;
  let emptyBlock: usize = 0;
  let blk = out;
  for (let u = start; u < end; u++, blk += blockBytes) {
    const ip = indptr + (<usize>u << 2);
    const lo = load<i32>(ip);
    const hi = load<i32>(ip, 4);
    if (lo == hi) {
      if (emptyState == 1) {
        memory.copy(blk, emptyBlock, blockBytes);
        continue;
      }
      if (emptyState == -1) {
        failed++;
        continue;
      }
      memory.copy(A, g, blockBytes);
      if (!cholesky(A, k)) {
        emptyState = -1;
        failed++;
        continue;
      }
      inverseFromCholesky(A, k, blk);
      emptyState = 1;
      emptyBlock = blk;
      continue;
    }
    buildNormal(indices, conf, lo, hi, y, g, k, A);
    if (!cholesky(A, k)) {
      failed++;
      continue;
    }
    inverseFromCholesky(A, k, blk);
  }
  return failed;
}

/**
 * X = (L Lᵀ)⁻¹, L in the lower triangle of m: row j of X solves L Lᵀ x = e_j (row j = column j by
 * symmetry), then X is symmetrised.
 */
function inverseFromCholesky(m: usize, k: i32, x: usize): void {
  const kb = <usize>k << 2;
  let xr = x;
  for (let j = 0; j < k; j++, xr += kb) {
    memory.fill(xr, 0, kb);
    const jo = <usize>j << 2;
    // forward: L y = e_j; y[0..j) = 0, y_j = 1 / L_jj, y_i = −L[i, j..i)·y[j..i) / L_ii
    let row = m + <usize>j * kb;
    store<f32>(xr + jo, <f32>1 / load<f32>(row + jo));
    for (let i = j + 1; i < k; i++) {
      row += kb;
      const io = <usize>i << 2;
      store<f32>(xr + io, -dot(row + jo, xr + jo, i - j) / load<f32>(row + io));
    }
    // backward: Lᵀ x = y, column-oriented (as choleskySolve)
    for (let i = k - 1; i >= 0; i--) {
      row = m + <usize>i * kb;
      const p = xr + (<usize>i << 2);
      const xi = load<f32>(p) / load<f32>(row + (<usize>i << 2));
      store<f32>(p, xi);
      axpy(xr, row, -xi, i);
    }
  }
  // (X + Xᵀ) / 2
  for (let i = 1; i < k; i++) {
    const ri = x + <usize>i * kb;
    for (let j = 0; j < i; j++) {
      const a = ri + (<usize>j << 2);
      const b = x + <usize>j * kb + (<usize>i << 2);
      const v: f32 = (load<f32>(a) + load<f32>(b)) * 0.5;
      store<f32>(a, v);
      store<f32>(b, v);
    }
  }
}

/** out = block·b (a: the k × k block, symmetric, read by rows; out must not overlap b). */
export function symv(a: usize, k: i32, b: usize, out: usize): void {
  const kb = <usize>k << 2;
  let r = a;
  let o = out;
  let i = 0;
  for (; i + 4 <= k; i += 4) {
    v128.store(o, dot4(b, r, r + kb, r + 2 * kb, r + 3 * kb, k));
    r += kb << 2;
    o += 16;
  }
  for (; i < k; i++) {
    store<f32>(o, dot(r, b, k));
    r += kb;
    o += 4;
  }
}

/**
 * In place: block (= A⁻¹) ← (A + w v vᵀ)⁻¹ = A⁻¹ − (w / (1 + w vᵀA⁻¹v)) (A⁻¹v)(A⁻¹v)ᵀ. Returns false,
 * block untouched, unless d = 1 + w vᵀA⁻¹v > SM_TOL·(1 + |w vᵀA⁻¹v|) (also false when d is NaN).
 * scratch: k floats (z = A⁻¹v).
 */
export function shermanMorrison(a: usize, k: i32, v: usize, w: f64, scratch: usize): bool {
  const z = scratch;
  symv(a, k, v, z);
  const wq = w * dot64(v, z, k);
  const d = 1 + wq;
  if (!(d > SM_TOL * (1 + Math.abs(wq)))) return false;
  const s = <f32>(w / d);
  const sv = f32x4.splat(s);
  const kb = <usize>k << 2;
  const k4 = <usize>(k & ~3) << 2;
  let r = a;
  for (let i = 0; i < k; i++, r += kb) {
    const zi = load<f32>(z + (<usize>i << 2));
    const ziv = f32x4.splat(zi);
    let o: usize = 0;
    for (; o < k4; o += 16) {
      v128.store(r + o, f32x4.sub(v128.load(r + o), f32x4.mul(sv, f32x4.mul(ziv, v128.load(z + o)))));
    }
    for (; o < kb; o += 4) store<f32>(r + o, load<f32>(r + o) - s * (zi * load<f32>(z + o)));
  }
  return true;
}

/**
 * The lower triangle of m (k × k) = G + Σ (c − 1) y yᵀ over the items [lo, hi): the same register
 * tiles and order as solveRows' Cholesky path (assembly/solve.ts), so A is the same matrix bit for
 * bit. The diagonal tiles also write a few harmless values above the diagonal.
 */
function buildNormal(
  indices: usize, conf: usize, lo: i32, hi: i32, y: usize, g: usize, k: i32, m: usize,
): void {
  const kb = <usize>k << 2;
  memory.copy(m, g, <usize>k * kb);
  const ip0 = indices + (<usize>lo << 2);
  const cp0 = conf + (<usize>lo << 2);
  const cnt = hi - lo;
  const k4 = k & ~3;
  for (let i = 0; i < k4; i += 4) {
    let j = 0;
    for (; j + 8 <= k4 && j <= i; j += 8) wtile8(m, kb, i, j, y, ip0, cp0, cnt);
    if (j <= i) wtile4(m, kb, i, j, y, ip0, cp0, cnt);
  }
  for (let i = k4; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s: f32 = 0;
      let ip = ip0;
      let cp = cp0;
      for (let t = 0; t < cnt; t++) {
        const yr = y + <usize>load<i32>(ip) * kb;
        s += (load<f32>(cp) - 1) * load<f32>(yr + (<usize>i << 2)) * load<f32>(yr + (<usize>j << 2));
        ip += 4;
        cp += 4;
      }
      const o = m + <usize>i * kb + (<usize>j << 2);
      store<f32>(o, load<f32>(o) + s);
    }
  }
}

/** A[i..i+4)[j..j+8) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+8) over the cnt items at ip/cp. */
// @ts-ignore: decorator
@inline function wtile8(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c00 = f32x4.splat(0);
  let c01 = c00;
  let c10 = c00;
  let c11 = c00;
  let c20 = c00;
  let c21 = c00;
  let c30 = c00;
  let c31 = c00;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const w = f32x4.splat(load<f32>(cp) - 1);
    const yj = yr + jo;
    const b0 = f32x4.mul(w, v128.load(yj));
    const b1 = f32x4.mul(w, v128.load(yj, 16));
    const yi = yr + io;
    const e0 = v128.load32_splat(yi);
    const e1 = v128.load32_splat(yi, 4);
    const e2 = v128.load32_splat(yi, 8);
    const e3 = v128.load32_splat(yi, 12);
    c00 = f32x4.add(c00, f32x4.mul(e0, b0));
    c01 = f32x4.add(c01, f32x4.mul(e0, b1));
    c10 = f32x4.add(c10, f32x4.mul(e1, b0));
    c11 = f32x4.add(c11, f32x4.mul(e1, b1));
    c20 = f32x4.add(c20, f32x4.mul(e2, b0));
    c21 = f32x4.add(c21, f32x4.mul(e2, b1));
    c30 = f32x4.add(c30, f32x4.mul(e3, b0));
    c31 = f32x4.add(c31, f32x4.mul(e3, b1));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c00));
  v128.store(o, f32x4.add(v128.load(o, 16), c01), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c10));
  v128.store(o, f32x4.add(v128.load(o, 16), c11), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c20));
  v128.store(o, f32x4.add(v128.load(o, 16), c21), 16);
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c30));
  v128.store(o, f32x4.add(v128.load(o, 16), c31), 16);
}

/** A[i..i+4)[j..j+4) += Σ_t (c_t − 1) y_t[i..i+4)ᵀ y_t[j..j+4). */
// @ts-ignore: decorator
@inline function wtile4(A: usize, kb: usize, i: i32, j: i32, y: usize, ip: usize, cp: usize, cnt: i32): void {
  let c0 = f32x4.splat(0);
  let c1 = c0;
  let c2 = c0;
  let c3 = c0;
  const io = <usize>i << 2;
  const jo = <usize>j << 2;
  const ep = ip + (<usize>cnt << 2);
  while (ip < ep) {
    const yr = y + <usize>load<i32>(ip) * kb;
    const b0 = f32x4.mul(f32x4.splat(load<f32>(cp) - 1), v128.load(yr + jo));
    const yi = yr + io;
    c0 = f32x4.add(c0, f32x4.mul(v128.load32_splat(yi), b0));
    c1 = f32x4.add(c1, f32x4.mul(v128.load32_splat(yi, 4), b0));
    c2 = f32x4.add(c2, f32x4.mul(v128.load32_splat(yi, 8), b0));
    c3 = f32x4.add(c3, f32x4.mul(v128.load32_splat(yi, 12), b0));
    ip += 4;
    cp += 4;
  }
  let o = A + <usize>i * kb + jo;
  v128.store(o, f32x4.add(v128.load(o), c0));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c1));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c2));
  o += kb;
  v128.store(o, f32x4.add(v128.load(o), c3));
}

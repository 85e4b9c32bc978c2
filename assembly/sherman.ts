// Cached inverses of the row normal matrices and their rank-one Sherman–Morrison updates, for
// forgetting a (user, item) pair in O(k²) instead of re-factoring A_u in O(k³). Same algorithms as
// the JS twin (src/kernels/js.ts):
//   invertRows:      out block r − start = A_r⁻¹, A_r = G + Σ (c − 1) y yᵀ built as solveRows builds
//                    it; Cholesky L Lᵀ = A_r (./cholesky), then A_r⁻¹ = Zᵀ Z, Z = L⁻¹ (the solves
//                    for all identity columns at once), lower triangle mirrored so that the block
//                    is exactly symmetric. A row with no stored pair gets G⁻¹ (computed once per
//                    call, copied afterwards). A row whose A_r is not positive definite is counted
//                    and its block left unchanged. Scratch: k² + 4k + 4 floats (solveScratchFloats).
//   shermanMorrison: block ← block − s z zᵀ, z = block·v, q = vᵀz (float64), d = 1 + w q,
//                    s = w / d, refused (false, block untouched) unless d > SM_TOL·(1 + |w q|).
//                    Each entry is updated as a_ij − s·(z_i·z_j), so symmetry stays exact.
//   symv:            out = block·b.
// Every pointer is a byte address; blocks are k × k row-major float32, vectors k float32.
import { axpy, axpy4, dot, dot4, dot64, quad } from './simd';
import { cholesky } from './cholesky';
import { buildNormal } from './normal';

/**
 * Relative pivot threshold of shermanMorrison (SM_TOL in src/kernels/kernels.ts). d = 1 + w vᵀA⁻¹v
 * is det(A + w v vᵀ)/det(A); computed from a float32 A⁻¹ it carries an error of order
 * 6e-8·cond(A)·(1 + |w q|). An update that makes A exactly singular was measured to come out with
 * |d| ≤ 4.2e-7·(1 + |w q|) (invertRows blocks, k ≤ 64, λ from 1e-4 to 5), so 1e-5 refuses it reliably;
 * a forget keeps A ⪰ λI, which puts d far above the threshold.
 */
const SM_TOL: f64 = 1e-5;

export function invertRows(
  indptr: usize, indices: usize, conf: usize, y: usize, g: usize,
  k: i32, start: i32, end: i32, out: usize, scratch: usize,
): i32 {
  const kb = <usize>k << 2;
  const blockBytes = <usize>k * kb;
  const A = scratch;
  const T = A + <usize>k * kb;
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
      inverseFromCholesky(A, k, blk, T);
      emptyState = 1;
      emptyBlock = blk;
      continue;
    }
    buildNormal(indices, conf, lo, hi, y, g, k, A);
    if (!cholesky(A, k)) {
      failed++;
      continue;
    }
    inverseFromCholesky(A, k, blk, T);
  }
  return failed;
}

/**
 * X = (L Lᵀ)⁻¹ = Zᵀ Z with Z = L⁻¹ (LAPACK's potri: a triangular inverse, then a triangular
 * product), i.e. the solves L Lᵀ x = e_j for all identity columns at once, row by row so that
 * every inner loop is a SIMD axpy over a row prefix. L, in the lower triangle of m, is overwritten
 * by Z (the strict upper triangle is zeroed first); t: k floats of temporary. Only the lower
 * triangle of X is computed; the upper one is its mirror, so X is exactly symmetric.
 */
function inverseFromCholesky(m: usize, k: i32, x: usize, t: usize): void {
  const kb = <usize>k << 2;
  let r = m;
  for (let i = 0; i < k; i++, r += kb) memory.fill(r + (<usize>(i + 1) << 2), 0, <usize>(k - i - 1) << 2);
  // Z_i = (e_i − Σ_{p<i} L_ip Z_p) / L_ii; row p of Z lives in [0, p], so a group of four rows
  // p..p+3 touches only the prefix [0, p + 4) of t
  r = m;
  for (let i = 0; i < k; i++, r += kb) {
    const ib = <usize>i << 2;
    memory.fill(t, 0, ib);
    let p = 0;
    let zp = m;
    for (; p + 4 <= i; p += 4) {
      axpy4(t, zp, zp + kb, zp + 2 * kb, zp + 3 * kb, f32x4.neg(v128.load(r + (<usize>p << 2))), p + 4);
      zp += kb << 2;
    }
    for (; p < i; p++) {
      axpy(t, zp, -load<f32>(r + (<usize>p << 2)), p + 1);
      zp += kb;
    }
    const inv: f32 = 1 / load<f32>(r + ib);
    const iv = f32x4.splat(inv);
    const i4 = <usize>(i & ~3) << 2;
    let o: usize = 0;
    for (; o < i4; o += 16) v128.store(r + o, f32x4.mul(v128.load(t + o), iv));
    for (; o < ib; o += 4) store<f32>(r + o, load<f32>(t + o) * inv);
    store<f32>(r + ib, inv);
  }
  // X_i[0, i] = Σ_{p ≥ i} Z_pi Z_p[0, i]
  let xr = x;
  for (let i = 0; i < k; i++, xr += kb) {
    const ib = <usize>i << 2;
    const n = i + 1;
    memory.fill(xr, 0, <usize>n << 2);
    let p = i;
    let zp = m + <usize>i * kb;
    for (; p + 4 <= k; p += 4) {
      const w = quad(load<f32>(zp + ib), load<f32>(zp + kb + ib), load<f32>(zp + 2 * kb + ib), load<f32>(zp + 3 * kb + ib));
      axpy4(xr, zp, zp + kb, zp + 2 * kb, zp + 3 * kb, w, n);
      zp += kb << 2;
    }
    for (; p < k; p++) {
      axpy(xr, zp, load<f32>(zp + ib), n);
      zp += kb;
    }
  }
  for (let i = 1; i < k; i++) {
    const ri = x + <usize>i * kb;
    let c = x + (<usize>i << 2); // X[0][i], then down column i
    for (let j = 0; j < i; j++, c += kb) store<f32>(c, load<f32>(ri + (<usize>j << 2)));
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

// The one kernel interface. Two backends implement it: `wasm` (AssemblyScript, SIMD, buffers in
// WebAssembly linear memory) and `js` (plain TypeScript over Float32Array). Model code above this
// file never knows which one runs.
//
// Conventions shared by every kernel:
// - Factor matrices are row-major float32, `k` floats per row, no padding.
// - Interactions are CSR (indptr: rows+1 int32, indices: nnz int32, conf: nnz float32). `conf` is the
//   confidence c_ui of each stored pair. Every stored pair with c > 0 has preference p = 1; a stored
//   pair with c = 0 is "blocked" (p = 0, c = 0). Pairs that are not stored are unobserved: p = 0, c = 1.
//   So b_u = Σ c_ui y_i and A_u = YᵀY + λI + Σ (c_ui − 1) y_i y_iᵀ over the stored pairs of row u.
// - Kernels take a half-open row range [start, end); the WASM backend deals its rows to threads.

/** A float32 buffer owned by a backend. `view` is zero-copy; re-read it after any allocation. */
export interface F32Buf {
  /** Byte address inside the backend's memory (WASM) or −1 (JS). */
  readonly ptr: number;
  readonly length: number;
  readonly view: Float32Array;
}

/** An int32 buffer owned by a backend. */
export interface I32Buf {
  readonly ptr: number;
  readonly length: number;
  readonly view: Int32Array;
}

/** A CSR matrix whose arrays live in a backend's memory. */
export interface CsrBufs {
  rows: number;
  cols: number;
  indptr: I32Buf;
  indices: I32Buf;
  conf: F32Buf;
}

export const SOLVER_CHOLESKY = 0;
export const SOLVER_CG = 1;
export type SolverCode = typeof SOLVER_CHOLESKY | typeof SOLVER_CG;

export interface SolveArgs {
  csr: CsrBufs;
  /** The side being solved: csr.rows × k. Updated in place. */
  X: F32Buf;
  /** The fixed side: csr.cols × k. */
  Y: F32Buf;
  /** YᵀY + λI, k × k (from `gram`). */
  gram: F32Buf;
  k: number;
  start: number;
  end: number;
  solver: SolverCode;
  cgSteps: number;
  /** At least `solveScratchFloats(k)` floats, private to this call. */
  scratch: F32Buf;
}

/** Bytes of scratch one thread's residualRows needs: G, x and the residual in float64, b, four dots. */
export function residualScratchBytes(k: number): number {
  return 8 * k * k + 20 * k + 32;
}

/** Floats of scratch one `solveRows` or `invertRows` call needs (also enough for `shermanMorrison`). */
export function solveScratchFloats(k: number): number {
  return k * k + 4 * k + 4;
}

export interface InvertArgs {
  csr: CsrBufs;
  /** The fixed side: csr.cols × k. */
  Y: F32Buf;
  /** YᵀY + λI, k × k (from `gram`). */
  gram: F32Buf;
  k: number;
  start: number;
  end: number;
  /** At least (end − start)·k² floats: block r − start receives A_r⁻¹. */
  out: F32Buf;
  /** At least `solveScratchFloats(k)` floats, private to this call. */
  scratch: F32Buf;
}

/**
 * Relative pivot threshold of `shermanMorrison` (same constant in assembly/sherman.ts): the update
 * is refused unless d = 1 + w·vᵀA⁻¹v > SM_TOL·(1 + |w·vᵀA⁻¹v|). d = det(A + w v vᵀ)/det(A), so
 * d ≤ 0 means the updated matrix is singular or indefinite. Computed from a float32 A⁻¹, d carries
 * an error of order 6e-8·cond(A)·(1 + |w q|): an update that makes A exactly singular was measured
 * at |d| ≤ 4.2e-7·(1 + |w q|) (k ≤ 64, λ from 1e-4 to 5), well below the threshold. A refused
 * update leaves the block as it was; the caller can re-invert the row (invertRows), which reports
 * a row that is really not positive definite.
 */
export const SM_TOL = 1e-5;

export interface Kernels {
  readonly name: 'wasm' | 'js';
  /**
   * Threads the row loops run on (the calling thread included). Every kernel gives the same bits on
   * any number of threads: rows are solved independently and sums are taken over fixed blocks.
   */
  readonly threads: number;
  /** Why fewer threads than asked for run ('' when all did). */
  readonly threadNote: string;
  /** Why this backend runs rather than the one asked for ('' or absent when it is the one asked for). */
  readonly backendNote?: string;
  /** Frees every buffer this object handed out (the object must not be used afterwards). */
  close(): void;
  /** A zero-filled float32 buffer. */
  f32(length: number): F32Buf;
  /** A zero-filled int32 buffer. */
  i32(length: number): I32Buf;
  /** Returns a buffer's memory to the backend. The buffer must not be used afterwards. */
  free(buf: F32Buf | I32Buf): void;

  /** out (k × k, full symmetric) = AᵀA + reg·I, A being rows × k. */
  gram(A: F32Buf, rows: number, k: number, reg: number, out: F32Buf): void;

  /**
   * Re-solves rows [start, end) of X given Y: x_u = A_u⁻¹ b_u exactly (Cholesky) or by `cgSteps`
   * conjugate-gradient steps warm-started from the current x_u. Rows with no stored pair get x = 0
   * (the exact solution, b = 0). Returns the number of rows whose normal matrix was not positive
   * definite (those rows are left unchanged).
   */
  solveRows(args: SolveArgs): number;

  /** Σ over stored pairs of rows [start, end) of c(1 − s)² − s², s = x_u·y_i (float64 accumulation). */
  lossRows(csr: CsrBufs, X: F32Buf, Y: F32Buf, k: number, start: number, end: number): number;

  /**
   * For rows [start, end): out[0] += Σ‖A_u x_u − b_u‖², out[1] += Σ‖b_u‖² (float64 accumulation).
   * The gradient of the loss w.r.t. x_u is 2(A_u x_u − b_u). With `save`, each row's A_u x_u − b_u
   * and b_u are also written to `save.r` and `save.b` as float64 (k per row, at row u: buffers of at
   * least 2·csr.rows·k floats, viewed as Float64Array; see `f64View`).
   */
  residualRows(
    csr: CsrBufs, X: F32Buf, Y: F32Buf, gram: F32Buf, k: number, start: number, end: number,
    out: Float64Array, save?: { r: F32Buf; b: F32Buf },
  ): void;

  /** out[b·n + j] = Q[rows[b]]·Y[j] for b < count, j < n. */
  scoreRows(Q: F32Buf, rows: I32Buf, count: number, Y: F32Buf, n: number, k: number, out: F32Buf): void;

  /** #{j < n: s[offset + j] < v} + ½ #{j < n: s[offset + j] = v} (the held-out AUC's count). */
  countBelow(s: F32Buf, offset: number, n: number, v: number): number;

  /**
   * For rows r in [start, end): out[(r − start)·k² …] = A_r⁻¹ (full k × k, row-major, exactly
   * symmetric), A_r built as `solveRows` builds it; a row with no stored pair gets gram⁻¹. Cholesky,
   * then one solve per identity column. Returns the number of rows whose A_r was not positive
   * definite (their blocks are left unchanged).
   */
  invertRows(args: InvertArgs): number;

  /**
   * In place: the k × k block of Ainv at float index `offset` (holding A⁻¹, symmetric) becomes
   * (A + w v vᵀ)⁻¹, v = v.view[vOffset, vOffset + k), by Sherman–Morrison:
   * A⁻¹ − (w / (1 + w vᵀA⁻¹v)) (A⁻¹v)(A⁻¹v)ᵀ. w < 0 is a downdate. Returns false and leaves the
   * block untouched unless 1 + w·vᵀA⁻¹v > SM_TOL·(1 + |w·vᵀA⁻¹v|) (the updated matrix would be
   * singular, indefinite or too close to it; also false on NaN). The block stays exactly symmetric.
   * `scratch`: at least k floats (it must not overlap the block or v).
   */
  shermanMorrison(Ainv: F32Buf, offset: number, k: number, v: F32Buf, vOffset: number, w: number, scratch: F32Buf): boolean;

  /**
   * out[outOffset, outOffset + k) = A⁻¹ b, A⁻¹ the symmetric k × k block of Ainv at float index
   * `offset`, b = b.view[bOffset, bOffset + k). `out` must not overlap b.
   */
  symv(Ainv: F32Buf, offset: number, k: number, b: F32Buf, bOffset: number, out: F32Buf, outOffset: number): void;
}

/** A float64 view of a buffer allocated as 2·n floats (the layout `residualRows` saves into). */
export function f64View(buf: F32Buf): Float64Array {
  const v = buf.view;
  return new Float64Array(v.buffer, v.byteOffset, v.length >> 1);
}

/** Frees the three buffers of a CSR. */
export function freeCsr(kern: Kernels, csr: CsrBufs): void {
  kern.free(csr.conf);
  kern.free(csr.indices);
  kern.free(csr.indptr);
}

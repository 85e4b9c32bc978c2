// Kernel tests: both backends against float64 references computed here in plain JS, WASM against
// JS on identical inputs, row ranges, Cholesky failure, and the WASM heap.
import { describe, it, expect, beforeAll } from 'vitest';
import { maxRelErr, relErr } from './helpers.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { createJsKernels } from '../src/kernels/js.js';
import { Heap } from '../src/kernels/heap.js';
import { SOLVER_CG, SOLVER_CHOLESKY, f64View, type Kernels, type SolverCode } from '../src/kernels/kernels.js';
import { f32Of, gaussSolve, load, makeProblem, mulberry32, normalEq, type Loaded, type Problem } from './kernel-problems.js';

// ---------------------------------------------------------------------------------------------
// Problem helpers (generator, upload, float64 references: kernel-problems.ts)

function solve(kern: Kernels, L: Loaded, p: Problem, solver: SolverCode, cgSteps = 3, start = 0, end = p.m): number {
  return kern.solveRows({
    csr: L.csr, X: L.X, Y: L.Y, gram: L.gram, k: p.k, start, end, solver, cgSteps, scratch: L.scratch,
  });
}

// ---------------------------------------------------------------------------------------------
// Float64 references

function residualNorm2(A: Float64Array, b: Float64Array, x: ArrayLike<number>, k: number): number {
  let s = 0;
  for (let i = 0; i < k; i++) {
    let r = -b[i];
    for (let j = 0; j < k; j++) r += A[i * k + j] * x[j];
    s += r * r;
  }
  return s;
}

function row(a: Float32Array, u: number, k: number): Float32Array {
  return a.subarray(u * k, (u + 1) * k);
}

const KS = [1, 3, 6, 8, 13, 32, 64];

let wasm: Kernels;
const js = createJsKernels();
const backends = (): Kernels[] => [wasm, js];

beforeAll(async () => {
  wasm = await createWasmKernels();
});

// ---------------------------------------------------------------------------------------------

describe.each(['wasm', 'js'] as const)('%s kernels against float64 references', (name) => {
  const kern = (): Kernels => (name === 'wasm' ? wasm : js);

  it('Cholesky solveRows equals a float64 dense solve (k 1..64)', () => {
    for (const k of KS) {
      const p = makeProblem(100 + k, k);
      const L = load(kern(), p);
      const failed = solve(kern(), L, p, SOLVER_CHOLESKY);
      expect(failed).toBe(0);
      const X = L.X.view;
      for (let u = 0; u < p.m; u++) {
        const got = row(X, u, k);
        if (p.indptr[u] === p.indptr[u + 1]) {
          expect(Array.from(got).every((v) => v === 0)).toBe(true); // empty row → x = 0
          continue;
        }
        const { A, b } = normalEq(p, u);
        const want = gaussSolve(A, b, k);
        // float32 storage (gram, A_u, factors) with cond(A_u) ~ 1e2: about 1e-5 expected.
        expect(relErr(got, want), `k ${k} row ${u}`).toBeLessThan(1e-4);
      }
    }
  });

  it('CG with k steps converges to the dense solution on a well-conditioned problem', () => {
    for (const k of KS) {
      // small factors: (c − 1) y yᵀ is comparable to λI, so A_u is well conditioned
      const p = makeProblem(200 + k, k, { yScale: 0.05, lambda: 1 });
      const L = load(kern(), p);
      solve(kern(), L, p, SOLVER_CG, k);
      const X = L.X.view;
      for (let u = 0; u < p.m; u++) {
        if (p.indptr[u] === p.indptr[u + 1]) continue;
        const { A, b } = normalEq(p, u);
        // float32 CG recurrences drift from the true residual, so this is looser than the exact
        // solve would need; measured ≤ 5e-7 here (cond(A_u) ≲ 10)
        expect(relErr(row(X, u, k), gaussSolve(A, b, k)), `k ${k} row ${u}`).toBeLessThan(1e-4);
      }
    }
  });

  it('CG with 3 steps reduces ‖Ax − b‖ from the start point', () => {
    for (const k of KS) {
      const p = makeProblem(300 + k, k, { yScale: 0.1 });
      const L = load(kern(), p);
      solve(kern(), L, p, SOLVER_CG, 3);
      const X = L.X.view;
      let before = 0;
      let after = 0;
      for (let u = 0; u < p.m; u++) {
        if (p.indptr[u] === p.indptr[u + 1]) continue;
        const { A, b } = normalEq(p, u);
        const r0 = residualNorm2(A, b, row(p.X, u, k), k);
        const r1 = residualNorm2(A, b, row(X, u, k), k);
        expect(r1, `k ${k} row ${u}`).toBeLessThan(r0);
        before += r0;
        after += r1;
      }
      expect(after).toBeLessThan(0.01 * before);
    }
  });

  it('CG early exits: r = 0 at the start leaves x alone; an exact 1-step solve stays finite', () => {
    for (const k of [1, 4, 7]) {
      // every pair blocked: b = 0; from x = 0 the start residual is exactly 0 (no 0/0 step)
      const p = makeProblem(250 + k, k, { blocked: 1 });
      p.X.fill(0);
      const L = load(kern(), p);
      solve(kern(), L, p, SOLVER_CG, 3);
      expect(Array.from(L.X.view).every((v) => v === 0), `k ${k}`).toBe(true);
    }
    // k = 1: CG is exact after one step; further steps must stop (‖r‖² < 1e-20), not divide 0 by 0
    const p = makeProblem(260, 1, { m: 200 });
    const L = load(kern(), p);
    solve(kern(), L, p, SOLVER_CG, 10);
    for (let u = 0; u < p.m; u++) {
      const x = L.X.view[u];
      expect(Number.isFinite(x), `row ${u}`).toBe(true);
      if (p.indptr[u] === p.indptr[u + 1]) continue;
      const { A, b } = normalEq(p, u);
      const want = b[0] / A[0];
      expect(Math.abs(x - want), `row ${u}`).toBeLessThanOrEqual(1e-5 * Math.max(Math.abs(want), 1e-3));
    }
  });

  it('gram equals float64 AᵀA + reg·I (symmetric)', () => {
    for (const k of [...KS, 5, 12, 128]) {
      const rows = 300;
      const rnd = mulberry32(400 + k);
      const a = new Float32Array(rows * k).map(() => 2 * rnd() - 1);
      const A = f32Of(kern(), a);
      const out = kern().f32(k * k);
      out.view.fill(123); // must be overwritten, not accumulated into
      kern().gram(A, rows, k, 0.75, out);
      const want = new Float64Array(k * k);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) want[i * k + j] += a[r * k + i] * a[r * k + j];
      }
      for (let i = 0; i < k; i++) want[i * k + i] += 0.75;
      const g = out.view;
      // float32 sums of ≤ 300 terms of size ~1: ~1e-7 relative
      expect(maxRelErr(g, want), `k ${k}`).toBeLessThan(1e-5);
      for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) expect(g[i * k + j]).toBe(g[j * k + i]);
    }
  });

  it('lossRows equals a float64 direct sum', () => {
    for (const k of KS) {
      const p = makeProblem(500 + k, k, { xScale: 1, yScale: 1 });
      const L = load(kern(), p);
      let want = 0;
      for (let u = 0; u < p.m; u++) {
        for (let e = p.indptr[u]; e < p.indptr[u + 1]; e++) {
          let s = 0;
          for (let f = 0; f < k; f++) s += p.X[u * k + f] * p.Y[p.indices[e] * k + f];
          want += p.conf[e] * (1 - s) ** 2 - s * s;
        }
      }
      const got = kern().lossRows(L.csr, L.X, L.Y, k, 0, p.m);
      // dot products in float32 (WASM), sum in float64
      expect(Math.abs(got - want) / Math.abs(want), `k ${k}`).toBeLessThan(1e-6);
      // a sub-range adds up
      const h = 9;
      const parts = kern().lossRows(L.csr, L.X, L.Y, k, 0, h) + kern().lossRows(L.csr, L.X, L.Y, k, h, p.m);
      expect(Math.abs(parts - got) / Math.abs(want)).toBeLessThan(1e-12);
    }
  });

  it('residualRows equals float64 Σ‖A_u x_u − b_u‖² and Σ‖b_u‖²', () => {
    for (const k of KS) {
      const p = makeProblem(600 + k, k);
      const L = load(kern(), p);
      const G = L.gram.view.slice();
      const check = (X: ArrayLike<number>, tol: number, start: [number, number]): void => {
        let rr = 0;
        let bb = 0;
        for (let u = 0; u < p.m; u++) {
          const { A, b } = normalEq(p, u, { gram: G });
          rr += residualNorm2(A, b, Array.from(X).slice(u * k, (u + 1) * k), k);
          for (const v of b) bb += v * v;
        }
        const out = Float64Array.from(start); // added to, not overwritten
        kern().residualRows(L.csr, L.X, L.Y, L.gram, k, 0, p.m, out);
        expect(Math.abs(out[0] - start[0] - rr) / rr, `k ${k} rr`).toBeLessThan(tol);
        // b = Σ c y only scales the certificate, so the WASM kernel sums it in float32
        expect(Math.abs(out[1] - start[1] - bb) / bb, `k ${k} bb`).toBeLessThan(kern().name === 'js' ? 1e-12 : 1e-6);
      };
      // random x: residual of size ‖b‖, float64 throughout
      check(p.X, 1e-10, [5, 7]);
      // solved x: the residual (~1e-7 of ‖b‖) is a small difference of large terms; float64
      // accumulation keeps it accurate to ~1e-7 relative (float32 would give O(1) errors here)
      expect(solve(kern(), L, p, SOLVER_CHOLESKY)).toBe(0);
      check(L.X.view.slice(), 1e-5, [0, 0]);
    }
  });

  it('residualRows with save writes each row\'s A_u x_u − b_u and b_u (float64) at its row, over any sub-range', () => {
    for (const k of KS) {
      const p = makeProblem(650 + k, k);
      const L = load(kern(), p);
      const G = L.gram.view.slice();
      const save = { r: kern().f32(2 * p.m * k), b: kern().f32(2 * p.m * k) };
      const out = new Float64Array(2);
      // two sub-ranges, as threads split the rows
      const h = 7;
      kern().residualRows(L.csr, L.X, L.Y, L.gram, k, 0, h, out, save);
      kern().residualRows(L.csr, L.X, L.Y, L.gram, k, h, p.m, out, save);
      const R = f64View(save.r);
      const B = f64View(save.b);
      let rr = 0;
      let bb = 0;
      for (let u = 0; u < p.m; u++) {
        const { A, b } = normalEq(p, u, { gram: G });
        const x = Array.from(p.X).slice(u * k, (u + 1) * k);
        for (let f = 0; f < k; f++) {
          let ax = 0;
          for (let e = 0; e < k; e++) ax += A[f * k + e] * x[e];
          const scale = Math.max(1, Math.abs(b[f]));
          expect(Math.abs(R[u * k + f] - (ax - b[f])) / scale, `k ${k} row ${u} r`).toBeLessThan(1e-10);
          // b is summed in float32 by the WASM kernel: ~6e-8 per term, rows of tens of terms
          expect(Math.abs(B[u * k + f] - b[f]) / scale, `k ${k} row ${u} b`).toBeLessThan(kern().name === 'js' ? 1e-12 : 1e-5);
          rr += R[u * k + f] ** 2;
          bb += B[u * k + f] ** 2;
        }
      }
      // the sums the kernel returns are the sums of what it saved
      expect(Math.abs(out[0] - rr) / rr).toBeLessThan(1e-12);
      expect(Math.abs(out[1] - bb) / bb).toBeLessThan(1e-6);
      kern().free(save.b);
      kern().free(save.r);
    }
  });

  it('scoreRows equals float64 dot products', () => {
    for (const k of [...KS, 128]) {
      const rnd = mulberry32(700 + k);
      const nq = 9;
      const n = 1003; // not a multiple of 4, several blocks of items
      const q = new Float32Array(nq * k).map(() => 2 * rnd() - 1);
      const y = new Float32Array(n * k).map(() => 2 * rnd() - 1);
      const rows = Int32Array.from([8, 0, 3, 3, 5]);
      const Q = f32Of(kern(), q);
      const Y = f32Of(kern(), y);
      const R = kern().i32(rows.length);
      R.view.set(rows);
      const out = kern().f32(rows.length * n);
      kern().scoreRows(Q, R, rows.length, Y, n, k, out);
      const want = new Float64Array(rows.length * n);
      for (let b = 0; b < rows.length; b++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let f = 0; f < k; f++) s += q[rows[b] * k + f] * y[j * k + f];
          want[b * n + j] = s;
        }
      }
      expect(maxRelErr(out.view, want), `k ${k}`).toBeLessThan(1e-5);
    }
  });

  it('row ranges: [0, h) then [h, m) equals [0, m), both solvers', () => {
    for (const k of [3, 8, 13, 64]) {
      for (const solver of [SOLVER_CHOLESKY, SOLVER_CG] as SolverCode[]) {
        const p = makeProblem(800 + k, k, { m: 31 });
        const whole = load(kern(), p);
        solve(kern(), whole, p, solver, 3);
        const split = load(kern(), p);
        const h = 13;
        solve(kern(), split, p, solver, 3, 0, h);
        // rows ≥ h untouched so far
        expect(Array.from(split.X.view.subarray(h * k))).toEqual(Array.from(p.X.subarray(h * k)));
        solve(kern(), split, p, solver, 3, h, p.m);
        expect(Array.from(split.X.view)).toEqual(Array.from(whole.X.view));
      }
    }
  });

  it('Cholesky failure: a singular row is counted and left unchanged, the others are solved', () => {
    for (const k of [3, 8, 13, 32]) {
      const p = makeProblem(900 + k, k, { lambda: 0, blocked: 0 });
      // Item 0 is the only item with a non-zero last factor (0.5, so products are exact). λ = 0:
      // G = YᵀY is still positive definite, but a row that blocks item 0 (c = 0) gets
      // A_u = G − y₀y₀ᵀ whose last row and column are exactly zero.
      for (let i = 0; i < p.n; i++) p.Y[i * k + k - 1] = 0;
      for (let f = 0; f < k; f++) p.Y[f] = 0;
      p.Y[k - 1] = 0.5;
      const failing = new Set<number>();
      const idx: number[] = [];
      const cf: number[] = [];
      const indptr = new Int32Array(p.m + 1);
      for (let u = 0; u < p.m; u++) {
        const lo = p.indptr[u];
        const hi = p.indptr[u + 1];
        if (lo < hi && u % 3 === 0) {
          idx.push(0);
          cf.push(0);
          failing.add(u);
        }
        for (let e = lo; e < hi; e++) {
          if (p.indices[e] === 0) continue;
          idx.push(p.indices[e]);
          cf.push(p.conf[e]);
        }
        indptr[u + 1] = idx.length;
      }
      p.indptr = indptr;
      p.indices = Int32Array.from(idx);
      p.conf = Float32Array.from(cf);
      expect(failing.size).toBeGreaterThan(2);

      for (const kern of backends()) {
        const L = load(kern, p);
        const failed = solve(kern, L, p, SOLVER_CHOLESKY);
        expect(failed, `${kern.name} k ${k}`).toBe(failing.size);
        const X = L.X.view;
        for (let u = 0; u < p.m; u++) {
          const got = Array.from(row(X, u, k));
          if (failing.has(u)) expect(got, `${kern.name} k ${k} row ${u}`).toEqual(Array.from(row(p.X, u, k)));
          else if (p.indptr[u] === p.indptr[u + 1]) expect(got.every((v) => v === 0)).toBe(true);
          else {
            const { A, b } = normalEq(p, u);
            expect(relErr(got, gaussSolve(A, b, k)), `${kern.name} k ${k} row ${u}`).toBeLessThan(1e-3);
          }
        }
      }
    }
  });

  it('Cholesky failure: a negative gram fails every non-empty row', () => {
    const k = 8;
    const p = makeProblem(950, k, { blocked: 0, alpha: 0 }); // c = 1: A_u = G
    const L = load(kern(), p);
    const g = L.gram.view;
    for (let i = 0; i < g.length; i++) g[i] = -g[i];
    const nonEmpty = Array.from({ length: p.m }, (_, u) => p.indptr[u + 1] > p.indptr[u]).filter(Boolean).length;
    expect(solve(kern(), L, p, SOLVER_CHOLESKY)).toBe(nonEmpty);
    for (let u = 0; u < p.m; u++) {
      const want = p.indptr[u + 1] > p.indptr[u] ? Array.from(row(p.X, u, k)) : new Array(k).fill(0);
      expect(Array.from(row(L.X.view, u, k))).toEqual(want);
    }
  });

  it('solveRows writes no more than solveScratchFloats(k) floats of scratch', () => {
    for (const k of [1, 3, 13, 64]) {
      const p = makeProblem(1000 + k, k);
      const L = load(kern(), p);
      const guard = kern().f32(64); // the next heap block after scratch (WASM)
      guard.view.fill(-7);
      solve(kern(), L, p, SOLVER_CHOLESKY);
      solve(kern(), L, p, SOLVER_CG, 5);
      expect(Array.from(guard.view).every((v) => v === -7)).toBe(true);
    }
  });
});

// ---------------------------------------------------------------------------------------------

describe('WASM and JS agree on every kernel from identical inputs', () => {
  for (const k of KS) {
    it(`k ${k}`, () => {
      const p = makeProblem(1100 + k, k, { m: 41 });
      const W = load(wasm, p);
      const J = load(js, p);
      // gram: float32 storage, different summation order: 1e-5 relative
      expect(maxRelErr(W.gram.view, J.gram.view)).toBeLessThan(1e-5);
      // use one gram for everything below so the kernels see bit-identical inputs
      W.gram.view.set(J.gram.view);

      // loss: float64 sums of float32 (WASM) vs float64 (JS) dot products: 1e-6 relative
      const lw = wasm.lossRows(W.csr, W.X, W.Y, k, 0, p.m);
      const lj = js.lossRows(J.csr, J.X, J.Y, k, 0, p.m);
      expect(Math.abs(lw - lj) / Math.abs(lj)).toBeLessThan(1e-6);

      // residual: float64 in both: 1e-9 relative; ‖b‖² (b summed in float32 by WASM): 1e-6
      const rw = new Float64Array(2);
      const rj = new Float64Array(2);
      wasm.residualRows(W.csr, W.X, W.Y, W.gram, k, 0, p.m, rw);
      js.residualRows(J.csr, J.X, J.Y, J.gram, k, 0, p.m, rj);
      expect(Math.abs(rw[0] - rj[0]) / rj[0]).toBeLessThan(1e-9);
      expect(Math.abs(rw[1] - rj[1]) / rj[1]).toBeLessThan(1e-6);

      // score: float32 dot products: 1e-5 relative
      const rows = Int32Array.from([0, 5, 40, 17]);
      const sw = wasm.i32(4);
      sw.view.set(rows);
      const sj = js.i32(4);
      sj.view.set(rows);
      const ow = wasm.f32(4 * p.n);
      const oj = js.f32(4 * p.n);
      wasm.scoreRows(W.X, sw, 4, W.Y, p.n, k, ow);
      js.scoreRows(J.X, sj, 4, J.Y, p.n, k, oj);
      expect(maxRelErr(ow.view, oj.view)).toBeLessThan(1e-5);

      // countBelow: exact counts, the same on both backends and by brute force, over scores with
      // ties and NaN, at every offset and length around the 8-wide SIMD loop's tails
      const sc = Float32Array.from(ow.view, (x, i) => (i % 7 === 0 ? Math.fround(x / 3) : i % 11 === 0 ? 0.25 : x));
      sc[5] = NaN;
      ow.view.set(sc);
      oj.view.set(sc);
      for (const [offset, len] of [[0, p.n], [1, 7], [3, 8], [9, 17], [p.n, p.n]] as const) {
        for (const v of [0.25, sc[offset + 2], -1e9, 1e9, sc[offset]]) {
          let want = 0;
          for (let j = offset; j < offset + len; j++) want += sc[j] < Math.fround(v) ? 1 : sc[j] === Math.fround(v) ? 0.5 : 0;
          expect(wasm.countBelow(ow, offset, len, v), `offset ${offset} n ${len} v ${v}`).toBe(want);
          expect(js.countBelow(oj, offset, len, v)).toBe(want);
        }
      }

      // solves: float32 arithmetic (WASM) vs float64 arithmetic on float32 storage (JS). Cholesky:
      // 1e-4. CG (3 steps, warm start): the start residual b − Ax is a difference of large terms
      // kept in float32 by both backends, and on rows with cond(A_u) ~ 1e3 each backend's iterate
      // is measured to differ from float64 CG by up to 3e-4: 1e-3.
      for (const solver of [SOLVER_CG, SOLVER_CHOLESKY] as SolverCode[]) {
        const W2 = load(wasm, p);
        const J2 = load(js, p);
        W2.gram.view.set(J.gram.view);
        J2.gram.view.set(J.gram.view);
        expect(solve(wasm, W2, p, solver, 3)).toBe(0);
        expect(solve(js, J2, p, solver, 3)).toBe(0);
        for (let u = 0; u < p.m; u++) {
          const tol = solver === SOLVER_CG ? 1e-3 : 1e-4;
          expect(relErr(row(W2.X.view, u, k), row(J2.X.view, u, k)), `solver ${solver} row ${u}`).toBeLessThan(tol);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('WASM heap', () => {
  it('hands out 16-byte aligned, non-overlapping blocks', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const heap = new Heap(mem, 1000);
    const blocks: Array<[number, number]> = [];
    const rnd = mulberry32(1);
    for (let i = 0; i < 200; i++) {
      const size = 1 + Math.floor(rnd() * 3000);
      const ptr = heap.alloc(size);
      expect(ptr % 16).toBe(0);
      expect(ptr).toBeGreaterThanOrEqual(1000);
      blocks.push([ptr, size]);
      if (i % 3 === 0) {
        const [fp] = blocks.splice(Math.floor(rnd() * blocks.length), 1)[0];
        heap.free(fp);
      }
    }
    blocks.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < blocks.length; i++) expect(blocks[i][0]).toBeGreaterThanOrEqual(blocks[i - 1][0] + blocks[i - 1][1]);
    expect(mem.buffer.byteLength).toBeGreaterThanOrEqual(blocks[blocks.length - 1][0] + blocks[blocks.length - 1][1]);
  });

  it('reuses freed memory, zero-filled', () => {
    const mem = new WebAssembly.Memory({ initial: 1 });
    const heap = new Heap(mem, 64);
    const a = heap.alloc(256);
    const b = heap.alloc(256);
    const c = heap.alloc(32);
    new Uint8Array(mem.buffer, a, 256).fill(9);
    heap.free(a);
    expect(() => heap.free(a)).toThrow();
    const d = heap.alloc(128); // fits in a's hole
    expect(d).toBe(a);
    expect(Array.from(new Uint8Array(mem.buffer, d, 128)).every((v) => v === 0)).toBe(true);
    // freeing the top block gives memory back to the top, merging the free neighbours below it
    new Uint8Array(mem.buffer, b, 256).fill(7);
    new Uint8Array(mem.buffer, c, 32).fill(5);
    heap.free(c);
    heap.free(b);
    const e = heap.alloc(512);
    expect(e).toBe(a + 128);
    expect(heap.used).toBe(128 + 512);
    // memory given back to the top and handed out again is zeroed too
    expect(Array.from(new Uint8Array(mem.buffer, e, 512)).every((v) => v === 0)).toBe(true);
  });

  it('buffer views survive memory growth', async () => {
    const kern = await createWasmKernels();
    const a = kern.f32(1000);
    const iv = kern.i32(10);
    for (let i = 0; i < 1000; i++) a.view[i] = i * 0.5;
    iv.view.set([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const before = a.view;
    const bytesBefore = before.buffer.byteLength;
    const big = kern.f32(8 << 20); // 32 MB: the memory must grow
    expect(big.view.buffer.byteLength).toBeGreaterThan(bytesBefore);
    expect(before.length).toBe(0); // the old view is detached by the growth...
    expect(a.view === before).toBe(false); // ...and `view` is a fresh one over the new buffer
    expect(a.view.length).toBe(1000);
    for (let i = 0; i < 1000; i++) expect(a.view[i]).toBe(i * 0.5);
    expect(Array.from(iv.view)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(big.ptr).toBeGreaterThanOrEqual(a.ptr + 4000);
    // kernels read buffers allocated before and after the growth
    const k = 4;
    const Q = kern.f32(2 * k);
    Q.view.set([1, 2, 3, 4, 0, 0, 0, 1]);
    const rows = kern.i32(2);
    rows.view.set([0, 1]);
    const out = kern.f32(2 * 250);
    kern.scoreRows(Q, rows, 2, a, 250, k, out);
    expect(out.view[0]).toBe(0 * 1 + 0.5 * 2 + 1 * 3 + 1.5 * 4);
    expect(out.view[250 + 3]).toBe(a.view[3 * k + 3]);
  });
});

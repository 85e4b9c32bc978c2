// Sherman–Morrison kernels (invertRows, shermanMorrison, symv): both backends against float64
// references computed here in plain JS, the forget path (inverse + rank-one downdate + symv)
// against a fresh Cholesky solve without the pair, and WASM against JS on identical inputs.
import { describe, it, expect, beforeAll } from 'vitest';
import { maxRelErr, relErr } from './helpers.js';
import { createWasmKernels } from '../src/kernels/wasm.js';
import { createJsKernels } from '../src/kernels/js.js';
import { SOLVER_CHOLESKY, SM_TOL, type F32Buf, type Kernels } from '../src/kernels/kernels.js';
import { gram64, inverse64, load, makeProblem, mulberry32, normalEq, type Loaded, type Problem } from './kernel-problems.js';

// ---------------------------------------------------------------------------------------------
// Problem helpers (generator, upload, float64 references: kernel-problems.ts; m: 17 unless a test
// says otherwise)

function invert(kern: Kernels, L: Loaded, p: Problem, out: F32Buf, start = 0, end = p.m): number {
  return kern.invertRows({ csr: L.csr, Y: L.Y, gram: L.gram, k: p.k, start, end, out, scratch: L.scratch });
}

/** The problem without stored pair e (exact forget) or with its confidence set to 0 (block). */
function withoutPair(p: Problem, drop: Set<number>, mode: 'exact' | 'block'): Problem {
  const indptr = new Int32Array(p.m + 1);
  const idx: number[] = [];
  const cf: number[] = [];
  for (let u = 0; u < p.m; u++) {
    for (let e = p.indptr[u]; e < p.indptr[u + 1]; e++) {
      if (drop.has(e) && mode === 'exact') continue;
      idx.push(p.indices[e]);
      cf.push(drop.has(e) ? 0 : p.conf[e]);
    }
    indptr[u + 1] = idx.length;
  }
  return { ...p, indptr, indices: Int32Array.from(idx), conf: Float32Array.from(cf) };
}

// ---------------------------------------------------------------------------------------------
// Float64 references

/** max |X·A − I| over the k × k block of X at xo. */
function inverseResidual(X: ArrayLike<number>, xo: number, A: ArrayLike<number>, k: number): number {
  let worst = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      let s = i === j ? -1 : 0;
      for (let p = 0; p < k; p++) s += X[xo + i * k + p] * A[p * k + j];
      worst = Math.max(worst, Math.abs(s));
    }
  }
  return worst;
}

/** A + w v vᵀ (float64). */
function rankOne(A: ArrayLike<number>, k: number, v: ArrayLike<number>, w: number): Float64Array {
  const B = Float64Array.from(A);
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) B[i * k + j] += w * v[i] * v[j];
  return B;
}

function quadForm(M: ArrayLike<number>, k: number, v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) s += v[i] * M[i * k + j] * v[j];
  return s;
}

function isSymmetric(X: Float32Array, xo: number, k: number): boolean {
  for (let i = 0; i < k; i++) for (let j = 0; j < i; j++) if (X[xo + i * k + j] !== X[xo + j * k + i]) return false;
  return true;
}

function block(X: Float32Array, xo: number, k: number): Float32Array {
  return X.slice(xo, xo + k * k);
}

const SENTINEL = -7.25;

let wasm: Kernels;
const js = createJsKernels();

beforeAll(async () => {
  wasm = await createWasmKernels();
});

// ---------------------------------------------------------------------------------------------

describe.each(['wasm', 'js'] as const)('%s Sherman–Morrison kernels against float64 references', (name) => {
  const kern = (): Kernels => (name === 'wasm' ? wasm : js);

  it('invertRows: A⁻¹·A ≈ I for every row, gram⁻¹ for empty rows, only its blocks written', () => {
    for (const k of [1, 3, 8, 13, 32, 64]) {
      const p = makeProblem(100 + k, k, { m: 17, lambda: 1 });
      const L = load(kern(), p);
      const guard = kern().f32(64); // the heap block after scratch (WASM): scratch bound
      guard.view.fill(SENTINEL);
      const start = 1;
      const end = p.m; // rows 2, 7, 12 are empty
      const kk = k * k;
      const pad = 5;
      const out = kern().f32((end - start) * kk + pad);
      out.view.fill(SENTINEL);
      expect(invert(kern(), L, p, out, start, end), `k ${k}`).toBe(0);
      const X = out.view;
      const G = gram64(p);
      const emptyBlocks: Float32Array[] = [];
      for (let u = start; u < end; u++) {
        const xo = (u - start) * kk;
        expect(isSymmetric(X, xo, k), `k ${k} row ${u} symmetric`).toBe(true);
        const { A } = normalEq(p, u);
        // X·A − I is dimensionless. float32 storage of G, A_u, L and X (rounding 6e-8) bounds it
        // by about cond(A_u)·6e-8 times a slowly growing factor of k; here cond(A_u) ≤ 80, measured
        // max |X·A − I| ≤ 2e-6 on both backends. 1e-4 leaves room for cond up to ~1e3; a wrong
        // inverse (wrong row, missing term, bad copy) gives O(1e-2..1)
        expect(inverseResidual(X, xo, A, k), `k ${k} row ${u}`).toBeLessThan(1e-4);
        if (p.indptr[u] === p.indptr[u + 1]) {
          expect(inverseResidual(X, xo, G, k), `k ${k} empty row ${u}`).toBeLessThan(1e-4);
          emptyBlocks.push(block(X, xo, k));
        }
      }
      expect(emptyBlocks.length).toBe(3);
      for (const b of emptyBlocks) expect(Array.from(b)).toEqual(Array.from(emptyBlocks[0]));
      expect(Array.from(X.subarray((end - start) * kk)).every((v) => v === SENTINEL)).toBe(true);
      expect(Array.from(guard.view).every((v) => v === SENTINEL)).toBe(true);
    }
  });

  it('invertRows: rows that are not positive definite are counted and their blocks left unchanged', () => {
    for (const k of [1, 3, 8, 13, 32]) {
      const p = makeProblem(150 + k, k, { m: 17, blocked: 0 });
      // rows 0 and 5: one pair with c − 1 = −1e6, far beyond YᵀY + λI: A_u is indefinite
      const bad = new Set([0, 5]);
      for (const u of bad) p.conf[p.indptr[u]] = -1e6 + 1;
      const L = load(kern(), p);
      const kk = k * k;
      const out = kern().f32(p.m * kk);
      out.view.fill(SENTINEL);
      expect(invert(kern(), L, p, out), `k ${k}`).toBe(bad.size);
      for (let u = 0; u < p.m; u++) {
        const b = Array.from(out.view.subarray(u * kk, (u + 1) * kk));
        if (bad.has(u)) expect(b.every((v) => v === SENTINEL), `k ${k} row ${u}`).toBe(true);
        else expect(inverseResidual(out.view, u * kk, normalEq(p, u).A, k), `k ${k} row ${u}`).toBeLessThan(1e-4);
      }
      // a negative gram: every row fails, the empty ones included
      const g = L.gram.view;
      for (let i = 0; i < g.length; i++) g[i] = -g[i];
      p.conf.fill(1);
      L.csr.conf.view.fill(1); // c = 1: A_u = −G for every row
      out.view.fill(SENTINEL);
      expect(invert(kern(), L, p, out), `k ${k} negative gram`).toBe(p.m);
      expect(Array.from(out.view).every((v) => v === SENTINEL)).toBe(true);
    }
  });

  it('shermanMorrison: a downdate (w = −α) and an update (w = +α) give the float64 inverse of the new A', () => {
    const alpha = 40;
    for (const k of [1, 3, 8, 13, 32, 64]) {
      const p = makeProblem(200 + k, k, { m: 17, blocked: 0, minPerRow: 3 });
      const L = load(kern(), p);
      const kk = k * k;
      const off = 2 * kk + 3; // somewhere inside a bigger buffer, not 16-byte aligned
      const buf = kern().f32(4 * kk + 10);
      const scratch = kern().f32(k);
      const guard = kern().f32(64);
      guard.view.fill(SENTINEL);
      for (const u of [0, 1, 3]) {
        const { A } = normalEq(p, u);
        const Ainv = inverse64(A, k);
        const e = p.indptr[u] + 1;
        const vo = p.indices[e] * k;
        const v = p.Y.subarray(vo, vo + k);
        for (const w of [-alpha, alpha]) {
          buf.view.fill(SENTINEL);
          buf.view.set(Ainv, off); // rounded to float32
          expect(kern().shermanMorrison(buf, off, k, L.Y, vo, w, scratch), `k ${k} row ${u} w ${w}`).toBe(true);
          const want = inverse64(rankOne(A, k, v, w), k);
          const got = block(buf.view, off, k);
          // float32 entries of A⁻¹ (rounding 6e-8) and float32 z = A⁻¹v, amplified by cond(A ±
          // α v vᵀ) (≤ 1e2 here): measured ≤ 3e-7
          expect(maxRelErr(got, want), `k ${k} row ${u} w ${w}`).toBeLessThan(1e-4);
          expect(isSymmetric(buf.view, off, k)).toBe(true);
          const rest = [...Array.from(buf.view.subarray(0, off)), ...Array.from(buf.view.subarray(off + kk))];
          expect(rest.every((x) => x === SENTINEL), `k ${k} neighbours`).toBe(true);
        }
      }
      expect(Array.from(guard.view).every((x) => x === SENTINEL), `k ${k} scratch bound`).toBe(true);
    }
  });

  it('shermanMorrison: 20 downdates in a row on one block stay within 1e-3 of the float64 inverse', () => {
    const alpha = 40;
    for (const k of [1, 3, 8, 13, 32, 64]) {
      const p = makeProblem(300 + k, k, { m: 17, blocked: 0, minPerRow: 24, maxPerRow: 30, lambda: 5 });
      const L = load(kern(), p);
      const u = 0;
      const kk = k * k;
      const out = kern().f32(kk);
      expect(invert(kern(), L, p, out, u, u + 1)).toBe(0);
      const scratch = kern().f32(k);
      const skip = new Set<number>();
      for (let t = 0; t < 20; t++) {
        const e = p.indptr[u] + t;
        skip.add(e);
        expect(kern().shermanMorrison(out, 0, k, L.Y, p.indices[e] * k, -alpha, scratch), `k ${k} step ${t}`).toBe(true);
      }
      const want = inverse64(normalEq(p, u, { skip }).A, k);
      // the start block carries invertRows' float32 error (~1e-6) and each step adds rounding of
      // about that order: measured ≤ 2e-6 after 20 steps
      expect(maxRelErr(out.view, want), `k ${k}`).toBeLessThan(1e-3);
    }
  });

  it('shermanMorrison: a downdate to a singular or indefinite A returns false and leaves the block untouched', () => {
    for (const k of [1, 3, 8, 13, 32, 64]) {
      const p = makeProblem(400 + k, k, { m: 17, blocked: 0, minPerRow: 3 });
      const L = load(kern(), p);
      const kk = k * k;
      const buf = kern().f32(kk + 8);
      const scratch = kern().f32(k);
      for (const u of [0, 1, 3, 4]) {
        const { A } = normalEq(p, u);
        const Ainv = inverse64(A, k);
        const vo = p.indices[p.indptr[u]] * k;
        const v = p.Y.subarray(vo, vo + k);
        const q = quadForm(Ainv, k, v);
        buf.view.set(Ainv, 4);
        const before = Array.from(buf.view);
        // w = −1/q: A − v vᵀ/q is singular (d = 0); beyond it indefinite (d < 0); NaN
        for (const w of [-1 / q, -2 / q, -1e6 / q, NaN]) {
          expect(kern().shermanMorrison(buf, 4, k, L.Y, vo, w, scratch), `k ${k} row ${u} w·q ${w * q}`).toBe(false);
          expect(Array.from(buf.view)).toEqual(before);
        }
        // the rule's boundary: d = 1 + wq against SM_TOL·(1 + |wq|) ≈ 2·SM_TOL here. d = SM_TOL/10
        // is refused; d = 100·SM_TOL (1e-3) is accepted, and the result is still close to float64
        // (the error grows like 1/d: measured ≤ 2.3e-4 relative)
        const dLow = SM_TOL / 10;
        const dHigh = 100 * SM_TOL;
        expect(kern().shermanMorrison(buf, 4, k, L.Y, vo, -(1 - dLow) / q, scratch), `k ${k} row ${u} d low`).toBe(false);
        expect(Array.from(buf.view)).toEqual(before);
        expect(kern().shermanMorrison(buf, 4, k, L.Y, vo, -(1 - dHigh) / q, scratch), `k ${k} row ${u} d high`).toBe(true);
        const want = inverse64(rankOne(A, k, v, -(1 - dHigh) / q), k);
        expect(maxRelErr(block(buf.view, 4, k), want), `k ${k} row ${u} d high`).toBeLessThan(1e-2);
      }
    }
  });

  it('symv equals a float64 product', () => {
    for (const k of [1, 3, 5, 8, 13, 32, 64]) {
      const rnd = mulberry32(500 + k);
      const kk = k * k;
      const M = new Float32Array(kk);
      for (let i = 0; i < k; i++) {
        for (let j = 0; j <= i; j++) M[i * k + j] = M[j * k + i] = 2 * rnd() - 1;
      }
      const b = new Float32Array(k).map(() => 2 * rnd() - 1);
      const Abuf = kern().f32(kk + 7);
      Abuf.view.set(M, 7);
      const bbuf = kern().f32(k + 3);
      bbuf.view.set(b, 3);
      const out = kern().f32(k + 10);
      out.view.fill(SENTINEL);
      kern().symv(Abuf, 7, k, bbuf, 3, out, 5);
      const want = new Float64Array(k);
      for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) want[i] += M[i * k + j] * b[j];
      // float32 dot products of k terms of size ≤ 1: measured ≤ 1.1e-7 relative to max |entry|
      expect(maxRelErr(out.view.subarray(5, 5 + k), want), `k ${k}`).toBeLessThan(1e-5);
      const rest = [...Array.from(out.view.subarray(0, 5)), ...Array.from(out.view.subarray(5 + k))];
      expect(rest.every((x) => x === SENTINEL)).toBe(true);
    }
  });

  for (const mode of ['exact', 'block'] as const) {
    it(`SM rows equal direct solves (${mode} forget)`, () => {
      const alpha = 40;
      const w = mode === 'exact' ? -alpha : -(1 + alpha);
      for (const k of [1, 3, 8, 13, 32, 64]) {
        const p = makeProblem(600 + k, k, { m: 21, blocked: 0, alpha, lambda: 5 });
        const L = load(kern(), p);
        const kk = k * k;
        const inv = kern().f32(p.m * kk);
        expect(invert(kern(), L, p, inv)).toBe(0);
        // forget one stored pair of every non-empty row
        const drop = new Set<number>();
        const B = kern().f32(p.m * k);
        const Xsm = kern().f32(p.m * k);
        const scratch = kern().f32(k);
        for (let u = 0; u < p.m; u++) {
          const lo = p.indptr[u];
          const cnt = p.indptr[u + 1] - lo;
          if (cnt === 0) continue;
          const e = lo + (u % cnt);
          drop.add(e);
          expect(kern().shermanMorrison(inv, u * kk, k, L.Y, p.indices[e] * k, w, scratch), `k ${k} row ${u}`).toBe(true);
          const { b } = normalEq(p, u, { skip: new Set([e]) }); // b_u over the remaining pairs
          B.view.set(b, u * k);
          kern().symv(inv, u * kk, k, B, u * k, Xsm, u * k);
        }
        const q = withoutPair(p, drop, mode);
        const L2 = load(kern(), q);
        const X2 = kern().f32(p.m * k);
        expect(kern().solveRows({
          csr: L2.csr, X: X2, Y: L2.Y, gram: L2.gram, k, start: 0, end: p.m,
          solver: SOLVER_CHOLESKY, cgSteps: 0, scratch: L2.scratch,
        })).toBe(0);
        for (let u = 0; u < p.m; u++) {
          const got = Xsm.view.subarray(u * k, (u + 1) * k);
          const want = X2.view.subarray(u * k, (u + 1) * k);
          // two float32 routes to the same x_u (cond(A_u) ≤ 30 with λ = 5): measured ≤ 2.3e-6
          expect(relErr(got, want), `k ${k} row ${u}`).toBeLessThan(1e-4);
        }
      }
    });
  }
});

// ---------------------------------------------------------------------------------------------

describe('WASM and JS agree on the Sherman–Morrison kernels from identical inputs', () => {
  for (const k of [1, 3, 8, 13, 32, 64]) {
    it(`k ${k}`, () => {
      const p = makeProblem(700 + k, k, { m: 23 });
      const W = load(wasm, p);
      const J = load(js, p);
      W.gram.view.set(J.gram.view); // bit-identical inputs from here on
      const kk = k * k;
      const iw = wasm.f32(p.m * kk);
      const ij = js.f32(p.m * kk);
      expect(invert(wasm, W, p, iw)).toBe(0);
      expect(invert(js, J, p, ij)).toBe(0);
      // float32 Cholesky (WASM) vs float64 arithmetic on float32 storage (JS): both within
      // cond(A_u)·6e-8·(small factor of k) of the true inverse: measured ≤ 1.6e-6 per block
      for (let u = 0; u < p.m; u++) {
        expect(maxRelErr(block(iw.view, u * kk, k), block(ij.view, u * kk, k)), `invert row ${u}`).toBeLessThan(1e-4);
      }
      // from the same (JS) inverse: one downdate per non-empty row, then symv with b_u
      iw.view.set(ij.view);
      const sw = wasm.f32(k);
      const sj = js.f32(k);
      const bw = wasm.f32(k);
      const bj = js.f32(k);
      const xw = wasm.f32(k);
      const xj = js.f32(k);
      for (let u = 0; u < p.m; u++) {
        const lo = p.indptr[u];
        if (lo === p.indptr[u + 1]) continue;
        const vo = p.indices[lo] * k;
        const w = p.conf[lo] === 0 ? 1 : -40; // un-block, or forget
        const okw = wasm.shermanMorrison(iw, u * kk, k, W.Y, vo, w, sw);
        const okj = js.shermanMorrison(ij, u * kk, k, J.Y, vo, w, sj);
        expect(okw).toBe(okj);
        expect(okj).toBe(true);
        // z = A⁻¹v in float32 (WASM) or float64 rounded to float32 (JS), the difference
        // amplified by cond: measured ≤ 1e-6
        expect(maxRelErr(block(iw.view, u * kk, k), block(ij.view, u * kk, k)), `SM row ${u}`).toBeLessThan(1e-5);
        const b = normalEq(p, u).b;
        bw.view.set(b);
        bj.view.set(b);
        iw.view.set(block(ij.view, u * kk, k), u * kk); // identical blocks again for symv
        wasm.symv(iw, u * kk, k, bw, 0, xw, 0);
        js.symv(ij, u * kk, k, bj, 0, xj, 0);
        // float32 dot products vs float64: measured ≤ 1e-6
        expect(relErr(xw.view, xj.view), `symv row ${u}`).toBeLessThan(1e-5);
      }
    });
  }
});

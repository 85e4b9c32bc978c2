// Forgetting: Untrain-ALS (the paper's Algorithm 2) made exact.
//
// Exact mode (default): a forgotten pair becomes what every never-seen pair is, p = 0 and c = 1, by
// removing it from the stored interactions. The objective is then *identical* to the objective of
// retraining on the remaining data (paper Theorem 5.1 / appendix A), so warm-started ALS passes
// from the trained factors converge toward a stationary point of the retrain objective, and the
// certificate (relative residual of all its normal equations) proves how close they got. Nothing
// in the model or its file says which pairs were removed.
//
// Block mode ('block'): the paper's step literally, p = 0 and c = 0. It is NOT the retrain
// objective: every never-seen pair carries confidence 1 and is pulled toward 0, while a blocked
// pair is pulled toward nothing, so the removed pairs keep whatever score the old model gave them
// (memory of the removed data). It must also store which pairs are blocked (c = 0 entries), which
// is itself a trace. It exists to reproduce the paper and to measure the difference; its
// certificate and `lossRemain` are still computed on the retrain objective.
import { SOLVER_CHOLESKY, freeCsr, type CsrBufs, type F32Buf, type I32Buf } from '../kernels/kernels.js';
import { Rng, sampleWithoutReplacement } from '../data/random.js';
import type { ALS, IterationReport } from './als.js';
import { OptionError } from './options.js';

export type ForgetMode = 'exact' | 'block';
/**
 * Only full passes. A localised schedule (re-solving only rows whose residual exceeded a per-row
 * share of the tolerance, spreading from the forgotten pairs) was built and measured: it reached
 * the same certificate but took 2–3× longer than full passes on ML-100K and ML-1M (users 1–2999)
 * for removal fractions 0.01–0.2, and was no faster for a single pair, so it was removed.
 */
export type ForgetSchedule = 'full';

export interface ForgetOptions {
  mode?: ForgetMode;
  /** Stop when the certificate is at most this (default: the residual `fit` ended with). */
  tol?: number;
  /** At most this many untrain passes (default 50). 0 = only the instant step. */
  maxPasses?: number;
  /** Also stop when the relative loss change of a pass is below this (default: off). */
  lossTol?: number;
  schedule?: ForgetSchedule;
  /** Skip the instant step (default false; the fixture of the paper's algorithm has none). */
  noInstant?: boolean;
  /**
   * Instant step by Sherman–Morrison updates of `model.cacheInverses()` (default: when a cache is
   * present). Without it, the affected rows are re-solved directly.
   */
  useCache?: boolean;
  /** Unknown ids or pairs not in the training data are an error instead of being reported. */
  strict?: boolean;
  /** Called after every untrain pass. */
  onPass?: (report: IterationReport & { certificate: number }) => void;
}

export interface NotFound {
  user: string;
  item: string;
  reason: 'unknown user' | 'unknown item' | 'not in training data';
}

export interface ForgetResult {
  requested: number;
  forgotten: number;
  notFound: NotFound[];
  mode: ForgetMode;
  schedule: ForgetSchedule;
  /** Untrain passes. */
  passes: number;
  /** Rows (users + items) solved in all, instant step included. */
  rowsSolved: number;
  seconds: number;
  instantSeconds: number;
  tolerance: number;
  /** Certificate of the retrain objective right after the data changed, before any solve. */
  certificateBefore: number;
  /** After the instant step. */
  certificateInstant: number;
  certificateAfter: number;
  /** The retrain objective's loss at the end. */
  lossRemain: number;
  /** Validation AUC at the end, when the model has a test set. */
  auc: number | null;
  /** With the inverse cache: rows whose rank-one update would have been singular, solved directly. */
  directRows?: number;
  /** ‖∇L_remain‖ right after the data change. */
  gradNormBefore: number;
  curve: Array<{ pass: number; loss: number; certificate: number; gradNorm: number; seconds: number }>;
}

/** A user–item pair by external ids. */
export type Pair = readonly [user: string | number, item: string | number];

/** Position of item `i` in row `r` of a CSR with sorted rows, or −1. */
export function findInRow(indptr: Int32Array, indices: Int32Array, r: number, i: number): number {
  let lo = indptr[r];
  let hi = indptr[r + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = indices[mid];
    if (v === i) return mid;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/**
 * Removal set of the paper: `fraction` of the training pairs still in force (blocked ones
 * excluded), uniformly without replacement, seeded. Same model, fraction and seed → same pairs.
 */
export function sampleTrainingPairs(model: ALS, fraction: number, seed: number): Array<[string, string]> {
  if (!(fraction > 0 && fraction <= 1)) throw new OptionError('fraction', fraction, 'a number in (0, 1]');
  const tr = model.trainRows;
  const nnz = tr.indptr[tr.rows];
  const blocked = blockedPositions(nnz, model.trainConfidence);
  // the q-th pair in force, for q ascending: skip the blocked positions below it
  const live = new Int32Array(nnz - blocked.length);
  for (let p = 0, b = 0, w = 0; p < nnz; p++) {
    if (b < blocked.length && blocked[b] === p) b++;
    else live[w++] = p;
  }
  const picked = sampleWithoutReplacement(live.length, Math.round(fraction * live.length), new Rng(seed));
  const pairs = pairsAt(tr, Int32Array.from(picked, (q) => live[q]));
  return Array.from(pairs.users, (u, t) => [model.userIds.id(u), model.itemIds.id(pairs.items[t])] as [string, string]);
}

/**
 * (row, column) of the stored entries at `positions` (ascending) of a CSR, or of all its entries:
 * for a CSR by user, the (user, item) index pairs.
 */
export function pairsAt(
  csr: { rows: number; indptr: Int32Array; indices: Int32Array }, positions?: Int32Array,
): { users: Int32Array; items: Int32Array } {
  const pos = positions ?? Int32Array.from({ length: csr.indptr[csr.rows] }, (_, p) => p);
  const users = new Int32Array(pos.length);
  let r = 0;
  pos.forEach((p, t) => {
    while (csr.indptr[r + 1] <= p) r++;
    users[t] = r;
  });
  return { users, items: Int32Array.from(pos, (p) => csr.indices[p]) };
}

/** Positions of the blocked pairs (c = 0), ascending. */
function blockedPositions(nnz: number, conf: Float32Array): Int32Array {
  let n = 0;
  for (let p = 0; p < nnz; p++) if (!(conf[p] > 0)) n++;
  const out = new Int32Array(n);
  for (let p = 0, w = 0; w < n; p++) if (!(conf[p] > 0)) out[w++] = p;
  return out;
}

/**
 * The pairs still in force (c > 0): their CSR, and `blocked` (the positions left out). With no
 * blocked pair (always, in exact mode) the model's own arrays are returned, not copies.
 */
export function remainingPairs(
  tr: { rows: number; indptr: Int32Array; indices: Int32Array }, conf: Float32Array,
): { blocked: Int32Array; indptr: Int32Array; indices: Int32Array; conf: Float32Array } {
  const nnz = tr.indptr[tr.rows];
  const blocked = blockedPositions(nnz, conf);
  if (blocked.length === 0) return { blocked, indptr: tr.indptr, indices: tr.indices.subarray(0, nnz), conf: conf.subarray(0, nnz) };
  return { blocked, ...withoutPositions(tr.indptr, tr.indices, conf, tr.rows, blocked) };
}

interface Resolved {
  /** Positions in the user CSR of the pairs to forget, ascending, distinct. */
  positions: Int32Array;
  users: Int32Array;
  items: Int32Array;
  notFound: NotFound[];
}

/** Validation first: nothing changes until every pair is resolved. */
function resolvePairs(model: ALS, pairs: readonly Pair[], strict: boolean): Resolved {
  const tr = model.trainRows;
  const conf = model.trainConfidence;
  const notFound: NotFound[] = [];
  const pos = new Set<number>();
  for (const [uid, iid] of pairs) {
    const user = String(uid);
    const item = String(iid);
    const u = model.userIds.get(user);
    const i = model.itemIds.get(item);
    let reason: NotFound['reason'] | undefined;
    let p = -1;
    if (u === undefined) reason = 'unknown user';
    else if (i === undefined) reason = 'unknown item';
    else {
      p = findInRow(tr.indptr, tr.indices, u, i);
      if (p < 0 || conf[p] === 0) reason = 'not in training data'; // never there, or already forgotten
    }
    if (reason) notFound.push({ user, item, reason });
    else pos.add(p);
  }
  if (strict && notFound.length) {
    const f = notFound[0];
    throw new OptionError('pairs', `${f.user},${f.item}`, `pairs of the training data (${f.reason}; ${notFound.length} such pairs in all)`);
  }
  const positions = Int32Array.from(pos).sort();
  return { positions, ...pairsAt(tr, positions), notFound };
}

/** The interactions without the given positions (CSR arrays, same rows). */
function withoutPositions(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, rows: number, drop: Int32Array,
): { indptr: Int32Array; indices: Int32Array; conf: Float32Array } {
  const nnz = indptr[rows];
  const keep = new Uint8Array(nnz).fill(1);
  for (const p of drop) keep[p] = 0;
  const np = new Int32Array(rows + 1);
  const ni = new Int32Array(nnz - drop.length);
  const nc = new Float32Array(nnz - drop.length);
  let q = 0;
  for (let r = 0; r < rows; r++) {
    for (let p = indptr[r]; p < indptr[r + 1]; p++) {
      if (!keep[p]) continue;
      ni[q] = indices[p];
      nc[q++] = conf[p];
    }
    np[r + 1] = q;
  }
  return { indptr: np, indices: ni, conf: nc };
}

function unique(a: Int32Array): Int32Array {
  return Int32Array.from(new Set(a)).sort();
}

/**
 * The CSRs of the retrain objective: in exact mode the model's own; in block mode a copy without
 * the blocked (c = 0) pairs. `release` frees a copy.
 */
export function remainCsrs(model: ALS): { userCsr: CsrBufs; itemCsr: CsrBufs; release(): void } {
  const s = model.internals;
  const tr = model.trainRows;
  const r = remainingPairs(tr, model.trainConfidence);
  if (r.blocked.length === 0) return { userCsr: s.userCsr, itemCsr: s.itemCsr, release() {} };
  const both = model.uploadBoth(tr.rows, tr.cols, r.indptr, r.indices, r.conf);
  return {
    ...both,
    release() {
      freeCsr(model.kernels, both.itemCsr);
      freeCsr(model.kernels, both.userCsr);
    },
  };
}

/**
 * Instant step: the affected users re-solved exactly given the current items, and the affected
 * items re-solved exactly given the users as they were (both sides against the factors of the
 * moment the data changed).
 */
function instantStep(model: ALS, users: Int32Array, items: Int32Array): void {
  const s = model.internals;
  const kern = model.kernels;
  const k = model.k;
  const reg = model.options.regularization;
  // the affected rows gathered into one small CSR, solved in one call (on every thread), put back
  const solve = (csr: CsrBufs, X: F32Buf, Y: F32Buf, rows: Int32Array): void => {
    if (rows.length === 0) return;
    const ip = csr.indptr.view;
    let nnz = 0;
    for (const r of rows) nnz += ip[r + 1] - ip[r];
    // (Cholesky ignores the start, so the copy of the old rows' factors is not needed)
    const bufs: Array<F32Buf | I32Buf> = [];
    const keep = <B extends F32Buf | I32Buf>(b: B): B => (bufs.push(b), b);
    try {
      const sub: CsrBufs = {
        rows: rows.length, cols: csr.cols, indptr: keep(kern.i32(rows.length + 1)),
        indices: keep(kern.i32(Math.max(1, nnz))), conf: keep(kern.f32(Math.max(1, nnz))),
      };
      const Xs = keep(kern.f32(rows.length * k));
      // views taken after the allocations (growing a private memory detaches older ones)
      const [ip2, ci, cc] = [csr.indptr.view, csr.indices.view, csr.conf.view];
      const [sp, si, sc] = [sub.indptr.view, sub.indices.view, sub.conf.view];
      let w = 0;
      rows.forEach((r, t) => {
        si.set(ci.subarray(ip2[r], ip2[r + 1]), w);
        sc.set(cc.subarray(ip2[r], ip2[r + 1]), w);
        w += ip2[r + 1] - ip2[r];
        sp[t + 1] = w;
      });
      const failed = kern.solveRows({
        csr: sub, X: Xs, Y, gram: s.gram, k, start: 0, end: rows.length, solver: SOLVER_CHOLESKY, cgSteps: 1, scratch: s.scratch,
      });
      if (failed) throw new Error(`${failed} rows: normal matrix not positive definite`);
      const [xs, xd] = [Xs.view, X.view];
      rows.forEach((r, t) => xd.set(xs.subarray(t * k, (t + 1) * k), r * k));
    } finally {
      // everything allocated, even when a later allocation failed
      for (const b of bufs) kern.free(b);
    }
  };
  const Yold = kern.f32(s.Y.length);
  try {
    Yold.view.set(s.Y.view);
    kern.gram(s.X, s.userCsr.rows, k, reg, s.gram);
    solve(s.itemCsr, s.Y, s.X, items);
    kern.gram(Yold, s.itemCsr.rows, k, reg, s.gram);
    solve(s.userCsr, s.X, Yold, users);
  } finally {
    kern.free(Yold);
  }
}

/**
 * The same instant step by Sherman–Morrison rank-one updates of the cached inverses (paper Eq. 3–4):
 * O(k²) per forgotten pair instead of O(nnz·k² + k³) per affected row. `dropped` holds, per
 * forgotten pair, the change of its (c − 1) term (−α·p in exact mode, −c in block mode). A row
 * whose update would be singular is solved directly instead. Returns rows solved that way.
 */
function instantStepCached(
  model: ALS, users: Int32Array, items: Int32Array, dropped: Float32Array,
): number {
  const s = model.internals;
  const cache = model.inverseCache!;
  const kern = model.kernels;
  const k = model.k;
  const kk = k * k;
  const b = kern.f32(k);
  const scratch = kern.f32(k);
  const Yold = kern.f32(s.Y.length);
  let direct = 0;
  // rows → the forgotten pairs (t) that touch them
  const group = (rows: Int32Array): Map<number, number[]> => {
    const m = new Map<number, number[]>();
    rows.forEach((r, t) => {
      const g = m.get(r);
      if (g) g.push(t);
      else m.set(r, [t]);
    });
    return m;
  };
  // one side: update the inverses, then x_r = A_r⁻¹ b_r with b_r over the remaining pairs
  const side = (csr: CsrBufs, inv: F32Buf, X: F32Buf, Y: F32Buf, rows: Int32Array, other: Int32Array): void => {
    for (const [r, ts] of group(rows)) {
      let ok = true;
      for (const t of ts) ok = ok && kern.shermanMorrison(inv, r * kk, k, Y, other[t] * k, dropped[t], scratch);
      if (!ok) {
        kern.gram(Y, csr.cols, k, model.options.regularization, s.gram);
        kern.solveRows({ csr, X, Y, gram: s.gram, k, start: r, end: r + 1, solver: SOLVER_CHOLESKY, cgSteps: 1, scratch: s.scratch });
        direct++;
        continue;
      }
      const bv = b.view;
      const yv = Y.view;
      const ip = csr.indptr.view;
      const ix = csr.indices.view;
      const cf = csr.conf.view;
      bv.fill(0);
      for (let p = ip[r]; p < ip[r + 1]; p++) {
        const yo = ix[p] * k;
        const c = cf[p];
        for (let f = 0; f < k; f++) bv[f] += c * yv[yo + f];
      }
      kern.symv(inv, r * kk, k, b, 0, X, r * k);
    }
  };
  try {
    Yold.view.set(s.Y.view);
    side(s.itemCsr, cache.items, s.Y, s.X, items, users);
    side(s.userCsr, cache.users, s.X, Yold, users, items);
  } finally {
    kern.free(Yold);
    kern.free(scratch);
    kern.free(b);
    model.dropInverseCache(); // the factors moved: the cache no longer matches them
  }
  return direct;
}

/** Forgets `pairs` (external ids): see the file comment for the modes and ForgetOptions for the stop rules. */
export function forget(model: ALS, pairs: readonly Pair[], opts: ForgetOptions = {}): ForgetResult {
  const mode = opts.mode ?? 'exact';
  const schedule = opts.schedule ?? 'full';
  if (mode !== 'exact' && mode !== 'block') throw new OptionError('mode', mode, 'exact or block');
  if (schedule !== 'full') {
    throw new OptionError('schedule', schedule, 'full (a localised schedule was measured slower than full passes and is not offered)');
  }
  if (!Array.isArray(pairs) || pairs.length === 0) throw new OptionError('pairs', pairs, 'a non-empty list of (user, item) pairs');
  const maxPasses = opts.maxPasses ?? 50;
  if (!Number.isInteger(maxPasses) || maxPasses < 0) throw new OptionError('maxPasses', maxPasses, 'an integer ≥ 0');
  const tol = opts.tol ?? (Number.isFinite(model.fitResidual) ? model.fitResidual : 1e-4);
  if (!(tol >= 0)) throw new OptionError('tol', tol, 'a number ≥ 0');

  const t0 = performance.now();
  const res = resolvePairs(model, pairs, opts.strict ?? false);
  const result: ForgetResult = {
    requested: pairs.length, forgotten: res.positions.length, notFound: res.notFound, mode, schedule,
    passes: 0, rowsSolved: 0, seconds: 0, instantSeconds: 0, tolerance: tol,
    certificateBefore: NaN, gradNormBefore: NaN, certificateInstant: NaN, certificateAfter: NaN, lossRemain: NaN, auc: null, curve: [],
  };

  // the change of each forgotten pair's (c − 1) term, for the Sherman–Morrison path
  const dropped = Float32Array.from(res.positions, (p) => {
    const c = model.trainConfidence[p];
    return mode === 'exact' ? -(c - 1) : -c;
  });
  const useCache = opts.useCache ?? model.inverseCache !== undefined;
  if (useCache && !model.inverseCache) throw new OptionError('useCache', true, 'an inverse cache: call model.cacheInverses() first');
  if (!useCache) model.dropInverseCache();
  if (res.positions.length > 0) {
    // the data change
    const tr = model.trainRows;
    if (mode === 'exact') {
      const r = withoutPositions(tr.indptr, tr.indices, model.trainConfidence, tr.rows, res.positions);
      model.replaceInteractions(r.indptr, r.indices, r.conf);
    } else {
      const s = model.internals;
      const ic = s.itemCsr;
      for (let t = 0; t < res.positions.length; t++) {
        s.userCsr.conf.view[res.positions[t]] = 0;
        const q = findInRow(ic.indptr.view, ic.indices.view, res.items[t], res.users[t]);
        ic.conf.view[q] = 0;
      }
    }
  }
  const remain = remainCsrs(model);
  try {
    const before = model.certificate(remain);
    result.certificateBefore = before.residual;
    result.gradNormBefore = before.gradNorm;
    if (res.positions.length > 0 && !opts.noInstant) {
      const ti = performance.now();
      const users = unique(res.users);
      const items = unique(res.items);
      if (useCache) result.directRows = instantStepCached(model, res.users, res.items, dropped);
      else instantStep(model, users, items);
      result.instantSeconds = (performance.now() - ti) / 1000;
      result.rowsSolved += users.length + items.length;
    }
    let cert = model.certificate(remain).residual;
    result.certificateInstant = cert;
    let loss = model.loss(remain.userCsr);
    for (let pass = 1; pass <= maxPasses && cert > tol; pass++) {
      const tp = performance.now();
      model.iterate();
      const seconds = (performance.now() - tp) / 1000;
      result.rowsSolved += model.nUsers + model.nItems;
      const next = model.loss(remain.userCsr);
      const c = model.certificate(remain);
      cert = c.residual;
      result.passes = pass;
      result.curve.push({ pass, loss: next, certificate: cert, gradNorm: c.gradNorm, seconds });
      opts.onPass?.({ iteration: pass, loss: next, seconds, certificate: cert });
      const change = Math.abs(loss - next) / Math.max(Math.abs(next), 1e-300);
      loss = next;
      if (opts.lossTol !== undefined && change < opts.lossTol) break;
    }
    result.certificateAfter = cert;
    result.lossRemain = loss;
  } finally {
    remain.release();
  }
  if (model.testRows) result.auc = model.auc().auc;
  result.seconds = (performance.now() - t0) / 1000;
  return result;
}

// Forgetting: Untrain-ALS (the paper's Algorithm 2) made exact.
//
// Exact mode (default): a forgotten pair becomes what every never-seen pair is, p = 0 and c = 1, by
// removing it from the stored interactions. The objective is then *identical* to the objective of
// retraining on the remaining data (paper Theorem 5.1 / appendix A), so warm-started ALS passes
// from the trained factors converge toward a stationary point of the retrain objective, and the
// certificate (relative residual of all its normal equations) proves how close they got. Nothing
// in the model or its file says which pairs were removed: a pair is removed from the training
// pairs and from the held-out pairs alike, and a forgotten user or item leaves with its id.
//
// The stop rule cannot under-forget: the default tolerance is min(1e-4, max(the certificate the
// model has, the tolerance it was trained to)), so an early-stopped model's loose residual never
// becomes the target, and a result that did not reach its tolerance says so (`converged: false`).
//
// Block mode ('block'): the paper's step literally, p = 0 and c = 0. It is NOT the retrain
// objective: every never-seen pair carries confidence 1 and is pulled toward 0, while a blocked
// pair is pulled toward nothing, so the removed pairs keep whatever score the old model gave them
// (memory of the removed data). It must also store which pairs are blocked (c = 0 entries), which
// is itself a trace. It exists to reproduce the paper and to measure the difference; its
// certificate and `lossRemain` are still computed on the retrain objective.
import { SOLVER_CHOLESKY, solveScratchFloats, type CsrBufs, type F32Buf, type Kernels } from '../kernels/kernels.js';
import type { IdMap } from '../data/interactions.js';
import { Rng, sampleWithoutReplacement } from '../data/random.js';
import { DEFAULT_TOL, FORGET_TOL_CEILING, OptionError, type AlsOptions } from './options.js';
import { UnknownIdError } from './errors.js';
import { findInRow, pairsAt, withoutPositions, type PairRows, type TrainingPairs } from './training-pairs.js';
import type { ResidualCache } from './residual-cache.js';

export { findInRow, pairsAt } from './training-pairs.js';

export type ForgetMode = 'exact' | 'block';
/**
 * Only full passes. A localised schedule (re-solving only rows whose residual exceeded a per-row
 * share of the tolerance, spreading from the forgotten pairs) was built and measured: it reached
 * the same certificate but took 2–3× longer than full passes on ML-100K and ML-1M (users 1–2999)
 * for removal fractions 0.01–0.2, and was no faster for a single pair, so it was removed.
 */
export type ForgetSchedule = 'full';

/** Untrain passes at most, by default: the synthetic long tail at 5% removed needed up to 500 to reach 5e-5 (see the README). */
export const DEFAULT_MAX_PASSES = 1000;

export interface ForgetOptions {
  mode?: ForgetMode;
  /**
   * Stop when the certificate is at most this. Default (`defaultTolerance`): min(1e-4, max(the
   * certificate the model had before the request, the tolerance it was trained to)).
   */
  tol?: number;
  /** At most this many untrain passes (default DEFAULT_MAX_PASSES). 0 = only the instant step. */
  maxPasses?: number;
  /** Also stop when the relative loss change of a pass is below this (default: off; can stop short of tol). */
  lossTol?: number;
  schedule?: ForgetSchedule;
  /** Skip the instant step (default false; the fixture of the paper's algorithm has none). */
  noInstant?: boolean;
  /**
   * Instant step by Sherman–Morrison updates of `model.cacheInverses()` (default: when a cache is
   * present). Without it, the affected rows are re-solved directly.
   */
  useCache?: boolean;
  /** Unknown ids or pairs the model does not store are an error instead of being reported. */
  strict?: boolean;
  /** Also compute the held-out AUC at the end (costs about as much as a pass). */
  auc?: boolean;
  /** Also measure the certificate right after the data change, before the instant step (one more full evaluation). */
  trace?: boolean;
  /** Seed of the sample of remaining training pairs in `evidence` (default 0). */
  evidenceSeed?: number;
  /** Called after every untrain pass. */
  onPass?: (report: { iteration: number; loss: number; seconds: number; certificate: number }) => void;
}

export interface NotFound {
  user: string;
  item: string;
  reason: 'unknown user' | 'unknown item' | 'not stored';
}

/** What a forget result shows of the forgotten pairs, next to pairs that were never trained on. */
export interface Evidence {
  /** Mean score x_u·y_i of the forgotten pairs under the model before the request. */
  forgottenBefore: number;
  /** … and after (a pair whose user or item left the model scores 0). */
  forgottenAfter: number;
  /** Mean score of the held-out pairs after (never-seen positives), when there is a hold-out. */
  heldOut: number | null;
  /** Mean score of a seeded sample of as many remaining training pairs, when there is a hold-out. */
  trainSample: number | null;
  /** Pairs in each of the two last means. */
  samplePairs: number;
}

export interface ForgetResult extends SettleResult {
  requested: number;
  /** Distinct pairs removed (training and held-out). */
  forgotten: number;
  /** Where the forgotten pairs were stored. */
  found: { train: number; heldOut: number };
  /** The forgotten pairs that were held-out pairs (by external id). */
  heldOutPairs: Array<{ user: string; item: string }>;
  notFound: NotFound[];
  /** Users and items that left the model (forgetRows). */
  removedUsers: string[];
  removedItems: string[];
  mode: ForgetMode;
  schedule: ForgetSchedule;
  seconds: number;
  tolerance: number;
  /** The certificate the model had before the request (NaN when it was not recorded). */
  baseCertificate: number;
  /** The base model was at the tolerance already (else forgetting also finished its training). */
  baseStationary: boolean;
  /** Validation AUC at the end, when asked for (`auc`) and the model has a test set. */
  auc: number | null;
  evidence: Evidence;
}

/** A user–item pair by external ids. */
export type Pair = readonly [user: string | number, item: string | number];

/** What forgetting needs of a model (ALS provides it); forgetting never reaches past it. */
export interface ForgetModel {
  readonly options: AlsOptions;
  readonly k: number;
  readonly kernels: Kernels;
  readonly userIds: IdMap;
  readonly itemIds: IdMap;
  readonly nUsers: number;
  readonly nItems: number;
  readonly interactions: TrainingPairs;
  readonly factorBuffers: { X: F32Buf; Y: F32Buf };
  readonly trainRows: PairRows;
  readonly trainConfidence: Float32Array;
  testRows: PairRows | undefined;
  fitResidual: number;
  inverseCache: { users: F32Buf; items: F32Buf } | undefined;
  dropInverseCache(): void;
  solveRowsExactly(side: 'user' | 'item', rows: Int32Array, other?: F32Buf): void;
  dropRows(users: Int32Array, items: Int32Array): { keptUsers: Int32Array; keptItems: Int32Array };
  iterate(): void;
  certificate(csrs?: { byUser: CsrBufs; byItem: CsrBufs }, save?: ResidualCache): { residual: number; gradNorm: number };
  stateStamp(): string;
  ensureResidualCache(): ResidualCache | null;
  dropResidualCache(): void;
  loss(csr?: CsrBufs): number;
  meanScore(users: ArrayLike<number>, items: ArrayLike<number>): number;
  auc(): { auc: number };
}

/**
 * Removal set of the paper: `fraction` of the training pairs still in force (blocked ones
 * excluded), uniformly without replacement, seeded. Same model, fraction and seed → same pairs.
 */
export function sampleTrainingPairs(model: Pick<ForgetModel, 'interactions' | 'userIds' | 'itemIds'>, fraction: number, seed: number): Array<[string, string]> {
  if (!(fraction > 0 && fraction <= 1)) throw new OptionError('fraction', fraction, 'a number in (0, 1]');
  const pairs = pairsAt(model.interactions.rows(), sampleLive(model.interactions, (n) => Math.round(fraction * n), seed));
  return Array.from(pairs.users, (u, t) => [model.userIds.id(u), model.itemIds.id(pairs.items[t])] as [string, string]);
}

/** Positions (by user) of `size(pairs in force)` pairs in force, drawn uniformly without replacement, seeded. */
function sampleLive(pairs: TrainingPairs, size: (n: number) => number, seed: number): Int32Array {
  const live = livePositions(pairs);
  const n = live ? live.length : pairs.nnz;
  const picked = sampleWithoutReplacement(n, size(n), new Rng(seed));
  return live ? Int32Array.from(picked, (q) => live[q]) : picked;
}

/** Positions (by user) of the pairs in force, ascending (null: all of them, none blocked). */
function livePositions(pairs: TrainingPairs): Int32Array | null {
  const nnz = pairs.nnz;
  const blocked = pairs.blocked();
  if (blocked.length === 0) return null;
  const live = new Int32Array(nnz - blocked.length);
  for (let p = 0, b = 0, w = 0; p < nnz; p++) {
    if (b < blocked.length && blocked[b] === p) b++;
    else live[w++] = p;
  }
  return live;
}

/** The pairs still in force as JS arrays (blocked pairs left out): what retraining trains on. */
export function remainingPairs(model: Pick<ForgetModel, 'interactions'>): { indptr: Int32Array; indices: Int32Array; conf: Float32Array } {
  return model.interactions.remainingArrays();
}

/** What a request removes, resolved to indices before anything changes. */
interface Removal {
  /** Positions in the training CSR by user, ascending, distinct. */
  train: Int32Array;
  /** Positions in the held-out CSR, ascending, distinct. */
  heldOut: Int32Array;
  notFound: NotFound[];
  requested: number;
}

/** Validation first: nothing changes until every pair is resolved. */
function resolvePairs(model: ForgetModel, pairs: readonly Pair[], strict: boolean): Removal {
  const store = model.interactions;
  const conf = store.confidence();
  const test = model.testRows;
  const notFound: NotFound[] = [];
  const train = new Set<number>();
  const held = new Set<number>();
  for (const [uid, iid] of pairs) {
    const user = String(uid);
    const item = String(iid);
    const u = model.userIds.get(user);
    const i = model.itemIds.get(item);
    if (u === undefined) notFound.push({ user, item, reason: 'unknown user' });
    else if (i === undefined) notFound.push({ user, item, reason: 'unknown item' });
    else {
      const p = store.find(u, i);
      // a blocked pair (c = 0) is already forgotten in block mode
      if (p >= 0 && conf[p] > 0) train.add(p);
      else {
        const q = test ? findInRow(test.indptr, test.indices, u, i) : -1;
        if (q >= 0) held.add(q);
        else notFound.push({ user, item, reason: 'not stored' });
      }
    }
  }
  if (strict && notFound.length) {
    const f = notFound[0];
    throw new OptionError('pairs', `${f.user},${f.item}`, `pairs the model stores (${f.reason}; ${notFound.length} such pairs in all)`);
  }
  return { train: Int32Array.from(train).sort(), heldOut: Int32Array.from(held).sort(), notFound, requested: pairs.length };
}

function unique(a: Int32Array): Int32Array {
  return Int32Array.from(new Set(a)).sort();
}

/**
 * The default tolerance: min(1e-4, max(the certificate the model has, the tolerance it was trained
 * to)). Never looser than 1e-4, so an early-stopped model's loose residual never becomes the
 * target; never looser than the model is now, unless that is tighter than its own training
 * tolerance. That floor stops a ratchet: with min(1e-4, certificate) alone, every request ends a
 * little below the last one's tolerance and becomes the next one's, until the tolerance passes
 * what float32 can reach (measured on ml-latest-small: a 1e-5 target stalled at 2.7e-5).
 */
export function defaultTolerance(model: Pick<ForgetModel, 'fitResidual' | 'options'>): number {
  const now = Number.isFinite(model.fitResidual) ? Math.max(model.fitResidual, model.options.tol) : DEFAULT_TOL;
  return Math.min(FORGET_TOL_CEILING, now);
}

/** The stop rule and pass cap of a request, validated. */
export function stopRule(model: ForgetModel, opts: ForgetOptions): { tol: number; maxPasses: number } {
  const maxPasses = opts.maxPasses ?? DEFAULT_MAX_PASSES;
  if (!Number.isInteger(maxPasses) || maxPasses < 0) throw new OptionError('maxPasses', maxPasses, 'an integer ≥ 0');
  const tol = opts.tol ?? defaultTolerance(model);
  if (!(tol >= 0)) throw new OptionError('tol', tol, 'a number ≥ 0');
  return { tol, maxPasses };
}

/** Forgets `pairs` (external ids): see the file comment for the modes and ForgetOptions for the stop rules. */
export function forget(model: ForgetModel, pairs: readonly Pair[], opts: ForgetOptions = {}): ForgetResult {
  const mode = opts.mode ?? 'exact';
  const schedule = opts.schedule ?? 'full';
  if (mode !== 'exact' && mode !== 'block') throw new OptionError('mode', mode, 'exact or block');
  if (schedule !== 'full') {
    throw new OptionError('schedule', schedule, 'full (a localised schedule was measured slower than full passes and is not offered)');
  }
  if (!Array.isArray(pairs) || pairs.length === 0) throw new OptionError('pairs', pairs, 'a non-empty list of (user, item) pairs');
  const rule = stopRule(model, opts);
  const t0 = performance.now();
  const removal = resolvePairs(model, pairs, opts.strict ?? false);
  return untrain(model, removal, { mode, schedule, ...rule, t0, opts });
}

/**
 * Forgets whole users and items: every pair of theirs (training and held-out) is removed, then the
 * users and items themselves leave the model (ids and factor rows), the rest renumbered. Exact mode
 * only (block mode would have to keep them to store the blocks).
 */
export function forgetRows(
  model: ForgetModel,
  which: { users?: ReadonlyArray<string | number>; items?: ReadonlyArray<string | number> },
  opts: ForgetOptions = {},
): ForgetResult {
  if ((opts.mode ?? 'exact') !== 'exact') throw new OptionError('mode', opts.mode, 'exact (whole users and items are forgotten exactly only)');
  const rule = stopRule(model, opts);
  const t0 = performance.now();
  const index = (ids: IdMap, kind: 'user' | 'item', list: ReadonlyArray<string | number>): Int32Array => unique(Int32Array.from(list, (id) => {
    const r = ids.get(String(id));
    if (r === undefined) throw new UnknownIdError(kind, String(id));
    return r;
  }));
  const users = index(model.userIds, 'user', which.users ?? []);
  const items = index(model.itemIds, 'item', which.items ?? []);
  if (users.length + items.length === 0) throw new OptionError('users/items', which, 'at least one user or item id');
  const store = model.interactions;
  const tr = store.rows();
  const ic = store.byItem;
  const train = new Set<number>();
  for (const u of users) for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) train.add(p);
  const [iip, iix] = [ic.indptr.view, ic.indices.view];
  for (const i of items) for (let q = iip[i]; q < iip[i + 1]; q++) train.add(store.find(iix[q], i));
  const held = new Set<number>();
  const test = model.testRows;
  if (test) {
    const dropItem = new Set(items);
    const dropUser = new Set(users);
    for (let u = 0; u < test.rows; u++) {
      const all = dropUser.has(u);
      for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) if (all || dropItem.has(test.indices[p])) held.add(p);
    }
  }
  const removal: Removal = {
    train: Int32Array.from(train).sort(), heldOut: Int32Array.from(held).sort(), notFound: [],
    requested: train.size + held.size,
  };
  return untrain(model, removal, { mode: 'exact', schedule: 'full', ...rule, t0, opts, drop: { users, items } });
}

interface UntrainPlan {
  mode: ForgetMode;
  schedule: ForgetSchedule;
  tol: number;
  maxPasses: number;
  t0: number;
  opts: ForgetOptions;
  /** Users and items that leave the model after their pairs. */
  drop?: { users: Int32Array; items: Int32Array };
}

/** The data change, the instant step, the untrain passes to the tolerance, and the evidence. */
function untrain(model: ForgetModel, removal: Removal, plan: UntrainPlan): ForgetResult {
  const { mode, tol, maxPasses, opts } = plan;
  const store = model.interactions;
  const trainPairs = pairsAt(store.rows(), removal.train);
  const test = model.testRows;
  const heldPairs = test ? pairsAt(test, removal.heldOut) : { users: new Int32Array(0), items: new Int32Array(0) };
  const baseCertificate = model.fitResidual;
  const baseStationary = baseCertificate <= tol;
  const ids = (p: { users: Int32Array; items: Int32Array }): Array<{ user: string; item: string }> =>
    Array.from(p.users, (u, t) => ({ user: model.userIds.id(u), item: model.itemIds.id(p.items[t]) }));
  const result: ForgetResult = {
    requested: removal.requested,
    forgotten: removal.train.length + removal.heldOut.length,
    found: { train: removal.train.length, heldOut: removal.heldOut.length },
    heldOutPairs: ids(heldPairs),
    notFound: removal.notFound,
    removedUsers: plan.drop ? Array.from(plan.drop.users, (u) => model.userIds.id(u)) : [],
    removedItems: plan.drop ? Array.from(plan.drop.items, (i) => model.itemIds.id(i)) : [],
    mode, schedule: plan.schedule,
    passes: 0, rowsSolved: 0, seconds: 0, instantSeconds: 0, tolerance: tol, converged: false,
    baseCertificate, baseStationary,
    note: '',
    certificateBefore: NaN, gradNormBefore: NaN, certificateInstant: NaN, certificateAfter: NaN, lossRemain: NaN, auc: null,
    incrementalCertificate: false,
    evidence: { forgottenBefore: NaN, forgottenAfter: NaN, heldOut: null, trainSample: null, samplePairs: 0 },
    curve: [],
  };
  const allUsers = Int32Array.from([...trainPairs.users, ...heldPairs.users]);
  const allItems = Int32Array.from([...trainPairs.items, ...heldPairs.items]);
  result.evidence.forgottenBefore = model.meanScore(allUsers, allItems);

  // the change of each forgotten pair's (c − 1) term, for the Sherman–Morrison path
  const conf = store.confidence();
  const dropped = Float32Array.from(removal.train, (p) => (mode === 'exact' ? -(conf[p] - 1) : -conf[p]));
  const useCache = (opts.useCache ?? model.inverseCache !== undefined) && !plan.drop;
  if (opts.useCache && plan.drop) throw new OptionError('useCache', true, 'pairs, not whole users or items (their rows leave the model)');
  if (useCache && !model.inverseCache) throw new OptionError('useCache', true, 'an inverse cache: call model.cacheInverses() first');
  if (!useCache) model.dropInverseCache();

  // the certificate of the request: from the residual cache when it holds the state before the
  // request (exact mode, no row leaves, nothing asked of the full kernel), else a full evaluation
  // (with blocked pairs stored, the retrain objective is not the model's own CSR's: no cache)
  const ownObjective = mode === 'exact' && store.blocked().length === 0;
  const cache = ownObjective && !plan.drop ? model.ensureResidualCache() : null;
  if (!ownObjective) model.dropResidualCache();
  const incremental = cache !== null && cache.stamp === model.stateStamp() && !cache.refreshDue && !opts.trace && !opts.noInstant;
  // the data change: training pairs, held-out pairs, then the users and items that leave
  if (mode === 'exact') store.remove(removal.train);
  else store.block(removal.train);
  if (test && removal.heldOut.length) {
    const r = withoutPositions(test.indptr, test.indices, new Float32Array(test.indptr[test.rows]), test.rows, removal.heldOut);
    model.testRows = { rows: test.rows, cols: test.cols, indptr: r.indptr, indices: r.indices };
  }
  // rows whose normal equations changed (in the numbering after the drop)
  let users = unique(trainPairs.users);
  let items = unique(trainPairs.items);
  if (plan.drop) {
    const { keptUsers, keptItems } = model.dropRows(plan.drop.users, plan.drop.items);
    const renumber = (rows: Int32Array, kept: Int32Array): Int32Array => {
      const at = new Map<number, number>();
      kept.forEach((old, r) => at.set(old, r));
      return Int32Array.from(Array.from(rows, (r) => at.get(r) ?? -1).filter((r) => r >= 0));
    };
    users = renumber(users, keptUsers);
    items = renumber(items, keptItems);
  }

  const rest = settle(model, {
    users, items, tol, maxPasses, opts, cache, incremental, baseCertificate, what: 'forgetting',
    instant: result.forgotten > 0 && !opts.noInstant
      ? () => (useCache ? instantStepCached(model, trainPairs.users, trainPairs.items, dropped) : (instantStep(model, users, items), undefined))
      : null,
  });
  Object.assign(result, rest);
  if (plan.drop) result.evidence.forgottenAfter = 0; // every forgotten pair lost its user or item
  else result.evidence.forgottenAfter = model.meanScore(allUsers, allItems);
  Object.assign(result.evidence, neverSeenEvidence(model, opts.evidenceSeed ?? 0));
  if (opts.auc && model.testRows) result.auc = model.auc().auc;
  result.seconds = (performance.now() - plan.t0) / 1000;
  return result;
}

function fmt(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : String(x);
}

/** What `settle` fills in of a result (forgetting's and learning's alike). */
export interface SettleResult {
  /** Warm passes after the instant step. */
  passes: number;
  /** Rows (users + items) solved in all, instant step included. */
  rowsSolved: number;
  instantSeconds: number;
  /** Certificate right after the data change, before any solve (NaN unless `trace` or `noInstant`). */
  certificateBefore: number;
  /** ‖∇L‖ at the same moment (NaN unless `trace` or `noInstant`). */
  gradNormBefore: number;
  /** After the instant step (before any pass). */
  certificateInstant: number;
  certificateAfter: number;
  /** The objective's loss at the end (NaN when no pass ran and neither `trace` nor `lossTol` asked for it). */
  lossRemain: number;
  /** The certificate after the instant step came from the residual cache (no full evaluation). */
  incrementalCertificate: boolean;
  /** certificateAfter ≤ tolerance. */
  converged: boolean;
  /** One line a person should read ('' when there is nothing to say). */
  note: string;
  /** With the inverse cache: rows whose rank-one update would have been singular, solved directly. */
  directRows?: number;
  curve: Array<{ pass: number; loss: number; certificate: number; gradNorm: number; seconds: number }>;
}

/**
 * After a data change: the instant step on the changed rows, the certificate (from the residual
 * cache when `incremental`), warm passes until it is ≤ tol, and what to say about it. Shared by
 * forgetting and learning, which differ only in the data change before it.
 */
export function settle(model: ForgetModel, a: {
  users: Int32Array; items: Int32Array; tol: number; maxPasses: number; opts: ForgetOptions;
  cache: ResidualCache | null; incremental: boolean; baseCertificate: number; what: string;
  instant: (() => number | undefined) | null;
}): SettleResult {
  const { users, items, tol, maxPasses, opts, cache, incremental } = a;
  const r: SettleResult = {
    passes: 0, rowsSolved: 0, instantSeconds: 0, certificateBefore: NaN, gradNormBefore: NaN, certificateInstant: NaN,
    certificateAfter: NaN, lossRemain: NaN, incrementalCertificate: incremental, converged: false, note: '', curve: [],
  };
  const rowsOf = (buf: F32Buf, rows: Int32Array): Float32Array => {
    const k = model.k;
    const v = buf.view;
    const out = new Float32Array(rows.length * k);
    rows.forEach((row, t) => out.set(v.subarray(row * k, (row + 1) * k), t * k));
    return out;
  };
  const remain = model.interactions.remaining();
  const save = cache ?? undefined;
  try {
    if (opts.trace || opts.noInstant) {
      const before = model.certificate(remain, save);
      r.certificateBefore = before.residual;
      r.gradNormBefore = before.gradNorm;
    }
    const { X, Y } = model.factorBuffers;
    const oldX = incremental ? rowsOf(X, users) : undefined;
    const oldY = incremental ? rowsOf(Y, items) : undefined;
    if (a.instant) {
      const ti = performance.now();
      const direct = a.instant();
      if (direct !== undefined) r.directRows = direct;
      r.instantSeconds = (performance.now() - ti) / 1000;
      r.rowsSolved += users.length + items.length;
    }
    let cert: number;
    if (opts.noInstant) cert = r.certificateBefore;
    else if (incremental && cache) {
      cache.update(model, users, items, oldX!, oldY!, model.stateStamp());
      cert = cache.certificate();
    } else cert = model.certificate(remain, save).residual;
    r.certificateInstant = cert;
    // the loss is wanted only to report passes and for lossTol; a request with no pass skips it
    let loss = opts.lossTol !== undefined || opts.trace ? model.loss(remain.byUser) : NaN;
    for (let pass = 1; pass <= maxPasses && cert > tol; pass++) {
      const tp = performance.now();
      model.iterate();
      const seconds = (performance.now() - tp) / 1000;
      r.rowsSolved += model.nUsers + model.nItems;
      const next = model.loss(remain.byUser);
      const c = model.certificate(remain, save);
      cert = c.residual;
      r.passes = pass;
      r.curve.push({ pass, loss: next, certificate: cert, gradNorm: c.gradNorm, seconds });
      opts.onPass?.({ iteration: pass, loss: next, seconds, certificate: cert });
      const change = Math.abs(loss - next) / Math.max(Math.abs(next), 1e-300);
      loss = next;
      if (opts.lossTol !== undefined && change < opts.lossTol) break;
    }
    r.certificateAfter = cert;
    r.lossRemain = loss;
  } finally {
    remain.release();
  }
  // the model file records the certificate the model now has
  model.fitResidual = r.certificateAfter;
  r.converged = r.certificateAfter <= tol;
  const notes: string[] = [];
  if (!Number.isFinite(a.baseCertificate)) {
    notes.push(`the base model's certificate was not recorded: ${a.what} may also have finished its training`);
  } else if (!(a.baseCertificate <= tol)) {
    notes.push(`base model not stationary: ${a.what} also finished its training (its certificate ${fmt(a.baseCertificate)} > tolerance ${fmt(tol)})`);
  }
  if (!r.converged) notes.push(`NOT CONVERGED: certificate ${fmt(r.certificateAfter)} > tolerance ${fmt(tol)} after ${r.passes} passes`);
  r.note = notes.join('; ');
  return r;
}

/** Mean scores of the held-out pairs and of a seeded sample of as many remaining training pairs. */
function neverSeenEvidence(model: ForgetModel, seed: number): Pick<Evidence, 'heldOut' | 'trainSample' | 'samplePairs'> {
  const test = model.testRows;
  if (!test) return { heldOut: null, trainSample: null, samplePairs: 0 };
  const held = pairsAt(test);
  const sample = pairsAt(model.interactions.rows(), sampleLive(model.interactions, (n) => Math.min(held.users.length, n), seed));
  return { heldOut: model.meanScore(held.users, held.items), trainSample: model.meanScore(sample.users, sample.items), samplePairs: sample.users.length };
}

/**
 * Instant step: the affected items re-solved exactly given the current users, and the affected
 * users re-solved exactly given the items as they were (both sides against the factors of the
 * moment the data changed, as the Sherman–Morrison path must).
 */
export function instantStep(model: ForgetModel, users: Int32Array, items: Int32Array): void {
  const kern = model.kernels;
  const { Y } = model.factorBuffers;
  const Yold = kern.f32(Y.length);
  try {
    Yold.view.set(model.factorBuffers.Y.view);
    model.solveRowsExactly('item', items);
    model.solveRowsExactly('user', users, Yold);
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
  model: ForgetModel, users: Int32Array, items: Int32Array, dropped: Float32Array,
): number {
  const cache = model.inverseCache!;
  const kern = model.kernels;
  const k = model.k;
  const kk = k * k;
  const b = kern.f32(k);
  const scratch = kern.f32(k);
  const gram = kern.f32(kk);
  const solveScratch = kern.f32(solveScratchFloats(k));
  const { X, Y } = model.factorBuffers;
  const Yold = kern.f32(Y.length);
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
        kern.gram(Y, csr.cols, k, model.options.regularization, gram);
        kern.solveRows({ csr, X, Y, gram, k, start: r, end: r + 1, solver: SOLVER_CHOLESKY, cgSteps: 1, scratch: solveScratch });
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
    Yold.view.set(Y.view);
    side(model.interactions.byItem, cache.items, Y, X, items, users);
    side(model.interactions.byUser, cache.users, X, Yold, users, items);
  } finally {
    for (const buf of [Yold, solveScratch, gram, scratch, b]) kern.free(buf);
    model.dropInverseCache(); // the factors moved: the cache no longer matches them
  }
  return direct;
}

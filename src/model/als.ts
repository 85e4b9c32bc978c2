// The ALS model: implicit-feedback matrix factorisation (Hu, Koren, Volinsky 2008) fitted by
// alternating least squares, with the YᵀY trick and either an exact (Cholesky) or a warm-started
// conjugate-gradient row solver (Takács et al. 2011). Written once over the `Kernels` interface.
//
// Loss (over ALL user–item pairs, computed sparsely):
//   L(X, Y) = Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²)
// with p = 1, c = 1 + α for a stored pair and p = 0, c = 1 for every other pair.
import { IdMap } from '../data/interactions.js';
import { Rng } from '../data/random.js';
import { heldOutAuc, type AucResult } from '../eval/auc.js';
import { rankingMetricsAtK, type RankingMetrics } from '../eval/ranking.js';
import type { UserScorer } from '../eval/scorer.js';
import { topN } from '../eval/topn.js';
import {
  SOLVER_CG, SOLVER_CHOLESKY, solveScratchFloats,
  type CsrBufs, type F32Buf, type I32Buf, type Kernels,
} from '../kernels/kernels.js';
import { TrainingPairs, type PairRows } from './training-pairs.js';
import { ResidualCache } from './residual-cache.js';
import { confidences } from './confidence.js';
import { cholesky } from './dense-cholesky.js';
import { heldOutRows, type HeldOutRows } from '../data/held-out.js';
import { checkConfidence, checkDisjoint, checkIndices, checkIndptr, type Fail, type Rows } from './validate-model.js';
import { loadKernels } from '../kernels/select.js';
import { resolveOptions, OptionError, type AlsOptions } from './options.js';
import { ModelFitError, UnknownIdError } from './errors.js';

export { ModelFitError, UnknownIdError } from './errors.js';
import { forget, forgetRows, type ForgetOptions, type ForgetResult, type Pair } from './forget.js';
import { learn, type LearnPair, type LearnResult } from './learn.js';

export type { PairRows } from './training-pairs.js';

export interface TrainingData {
  users: IdMap;
  items: IdMap;
  /** The training pairs; their `values` (when given) feed `options.confidence`. */
  train: PairRows & { values?: ArrayLike<number> };
  /** Held-out pairs for validation AUC (same shape as train). */
  test?: PairRows;
  /** Confidence of each training pair, aligned with train.indices (default: from `options.confidence`). */
  confidence?: Float32Array;
}

export interface IterationReport {
  iteration: number;
  loss: number;
  seconds: number;
  /** Validation AUC after this iteration, when a test set was given (and `trackAuc` is on). */
  auc?: number;
  /** Relative residual after this iteration (computed whenever a tolerance is in force). */
  certificate?: number;
}

export interface FitOptions {
  /** Called after every iteration; return `false` to stop early. */
  onIteration?: (report: IterationReport) => void | boolean;
  /**
   * Keep the factors of the iteration with the best validation AUC (the paper's early stopping).
   * Off by default: an early-stopped model is not a stationary point of its objective, and exact
   * forgetting is defined at one (see the README).
   */
  keepBest?: boolean;
  /** Compute the certificate after every iteration even when `tol` is 0. */
  certificate?: boolean;
  /** Validation AUC after every iteration (default: when there is a test set). */
  trackAuc?: boolean;
  /** Start from these factors instead of the seeded random start (users × k and items × k, row-major). */
  initial?: { userFactors: ArrayLike<number>; itemFactors: ArrayLike<number> };
}

export interface FitResult {
  iterations: IterationReport[];
  bestIteration: number;
  bestAuc: number;
  /** The iteration whose factors the model holds after fit. */
  keptIteration: number;
  seconds: number;
  /** Relative residual of the normal equations at the end of fit (see `certificate`). */
  residual: number;
  /** The tolerance fit ran to (`options.tol`; 0 = none: all `iterations` passes). */
  tol: number;
  /** True when the kept factors' certificate is ≤ tol (always false with tol 0). */
  converged: boolean;
  /** Threads the kernels ran on, and why fewer than asked for ('' when all did). */
  threads: number;
  threadNote: string;
}

export interface Certificate {
  /** ‖∇L‖ / ‖(2·CPY, 2·CᵀPᵀX)‖: the relative residual of all normal equations at once. */
  residual: number;
  /** ‖∇L‖ (Frobenius, over X and Y). */
  gradNorm: number;
}

export interface Recommendation {
  item: string;
  score: number;
}

export interface RecommendOptions {
  /** Skip the user's training items (default true). */
  filterSeen?: boolean;
  /** Never recommend these items (external ids; unknown ones throw). */
  filterItems?: ReadonlyArray<string | number>;
  /** Rank only these items (external ids): the candidates. */
  items?: ReadonlyArray<string | number>;
}

export interface SimilarOptions {
  /** Also return the row itself (similarity 1), first, as implicit does. Default false. */
  includeSelf?: boolean;
  /** Leave these ids out. */
  filter?: ReadonlyArray<string | number>;
  /** Rank only these ids. */
  among?: ReadonlyArray<string | number>;
}

/** `recommendMany`'s result: n entries per user, row-major. */
export interface RecommendBatch {
  /** The users' indices, in the order asked. */
  users: Int32Array;
  n: number;
  /** Item indices (−1 past the end of a short list). */
  items: Int32Array;
  /** Their scores (NaN past the end). */
  scores: Float32Array;
  itemId(index: number): string;
}

export interface Explanation {
  /** y_i·x for the user's exact fold-in factor x: the sum of the contributions. */
  score: number;
  /** The largest contributions, by training item. */
  top: Array<{ item: string; score: number }>;
  /** How many training items contribute. */
  items: number;
}

/**
 * A_u⁻¹ for every user (given the item factors of the moment) and A_i⁻¹ for every item (given the
 * user factors of the moment): rows × k² floats. Valid only for the factors it was built from;
 * forgetting uses it for its instant step and then drops it.
 */
export interface InverseCache {
  users: F32Buf;
  items: F32Buf;
  bytes: number;
  seconds: number;
}

interface State {
  users: IdMap;
  items: IdMap;
  pairs: TrainingPairs;
  test?: PairRows;
  X: F32Buf;
  Y: F32Buf;
  gram: F32Buf;
  scratch: F32Buf;
}

export class ALS {
  readonly options: AlsOptions;
  private state: State | undefined;
  /** Relative residual recorded at the end of the last fit or forget (or loaded from a file). */
  fitResidual = NaN;
  /** Cached inverses of every row's normal matrix, for Sherman–Morrison forgetting (optional). */
  inverseCache: InverseCache | undefined;
  /** Every row's residual, kept by forgetting to certify small requests cheaply (see residual-cache.ts). */
  residualCache: ResidualCache | undefined;
  /** Counts changes of the factors (caches of derived values compare it). */
  private factorVersion = 0;

  private constructor(
    readonly kernels: Kernels,
    options: AlsOptions,
  ) {
    this.options = options;
  }

  /** Validates the options and loads the kernel backend. */
  static async create(options: Partial<AlsOptions> = {}): Promise<ALS> {
    const o = resolveOptions(options);
    return new ALS(await loadKernels(o.backend, { threads: o.threads }), o);
  }

  /** Threads the kernels run on (see `threadNote` when fewer than asked for). */
  get threads(): number {
    return this.kernels.threads;
  }

  /** Why fewer threads run than the `threads` option asked for ('' when all do). */
  get threadNote(): string {
    return this.kernels.threadNote;
  }

  /** The backend actually running: 'wasm' or 'js'. */
  get backend(): 'wasm' | 'js' {
    return this.kernels.name;
  }

  /** Why `backend: 'auto'` runs the JS kernels, when it does ('' otherwise). */
  get backendNote(): string {
    return this.kernels.backendNote ?? '';
  }

  get fitted(): boolean {
    return this.state !== undefined;
  }

  private get s(): State {
    if (!this.state) throw new Error('the model has no data yet: call fit() or load a model first');
    return this.state;
  }

  get k(): number {
    return this.options.factors;
  }
  get userIds(): IdMap {
    return this.s.users;
  }
  get itemIds(): IdMap {
    return this.s.items;
  }
  get nUsers(): number {
    return this.s.pairs.users;
  }
  get nItems(): number {
    return this.s.pairs.items;
  }
  /** Zero-copy view of the user factors (users × k, row-major). Re-read after any allocation. */
  get userFactors(): Float32Array {
    return this.s.X.view;
  }
  get itemFactors(): Float32Array {
    return this.s.Y.view;
  }
  /** The factor buffers in backend memory (for kernels called on them directly). */
  get factorBuffers(): { X: F32Buf; Y: F32Buf } {
    return { X: this.s.X, Y: this.s.Y };
  }
  /** The training interactions in backend memory, with the operations forgetting needs. */
  get interactions(): TrainingPairs {
    return this.s.pairs;
  }
  /**
   * The training interactions by user (views into backend memory). Read them again after forget or
   * learn: those change the rows in place and may grow the memory, which detaches older views.
   */
  get trainRows(): PairRows {
    return this.s.pairs.rows();
  }
  /** Confidence of each stored training pair, aligned with `trainRows.indices`. */
  get trainConfidence(): Float32Array {
    return this.s.pairs.confidence();
  }
  get testRows(): PairRows | undefined {
    return this.s.test;
  }
  /** Replaces the held-out pairs (same users and items); forgetting removes pairs from them. */
  set testRows(test: PairRows | undefined) {
    const s = this.s;
    if (test && (test.rows !== s.pairs.users || test.cols !== s.pairs.items)) {
      throw new Error(`held-out matrix is ${test.rows}×${test.cols} but the model has ${s.pairs.users}×${s.pairs.items}`);
    }
    s.test = test && test.indptr[test.rows] > 0 ? test : undefined;
  }

  /**
   * Loads interactions into backend memory (CSR by user and by item, confidence 1 + α unless
   * given per pair) and allocates the factors. Used by `fit` and by model loading. The pairs are
   * copied once, straight into backend memory; the item side is transposed there.
   */
  setData(data: TrainingData, confidence = data.confidence): void {
    const { train } = data;
    const k = this.k;
    if (train.rows !== data.users.size || train.cols !== data.items.size) {
      throw new Error(`train matrix is ${train.rows}×${train.cols} but there are ${data.users.size} users and ${data.items.size} items`);
    }
    const nnz = train.indptr[train.rows];
    if (nnz === 0) throw new OptionError('data', 'no interactions', 'at least one training interaction');
    // more factors than items is fine with λ > 0 (every normal matrix stays positive definite, as
    // in implicit, whose tests use 32 factors on 5 items); with λ = 0 it would be singular
    if (k > train.cols && !(this.options.regularization > 0)) {
      throw new OptionError('factors', k, `at most the number of items (${train.cols}) when regularization is 0`);
    }
    checkTrainingData(data, confidence);
    this.release();
    const kern = this.kernels;
    const pairs = TrainingPairs.upload(kern, train.rows, train.cols, train.indptr, train.indices, confidence ?? 1 + this.options.alpha);
    this.state = {
      users: data.users,
      items: data.items,
      pairs,
      test: data.test && data.test.indptr[data.test.rows] > 0 ? data.test : undefined,
      X: kern.f32(train.rows * k),
      Y: kern.f32(train.cols * k),
      gram: kern.f32(k * k),
      scratch: kern.f32(solveScratchFloats(k)),
    };
  }

  /**
   * Drops whole users and items (sorted indices; every pair of theirs, training and held-out,
   * must be gone already): their ids, factor rows and columns leave the model, and the remaining
   * indices are renumbered densely in order. Exact for the objective: a user or item with no pair
   * has factor 0 at the optimum and adds nothing to anyone's normal equations.
   */
  dropRows(users: Int32Array, items: Int32Array): { keptUsers: Int32Array; keptItems: Int32Array } {
    const s = this.s;
    const kern = this.kernels;
    const k = this.k;
    if (s.test) {
      for (const u of users) if (s.test.indptr[u + 1] > s.test.indptr[u]) throw new Error(`internal: dropped user ${u} still has held-out pairs`);
    }
    this.dropResidualCache(); // its rows are numbered as before
    this.factorVersion++;
    const { keptUsers, keptItems } = s.pairs.dropRows(users, items);
    const gather = (from: F32Buf, kept: Int32Array): F32Buf => {
      const to = kern.f32(Math.max(1, kept.length) * k);
      const [src, dst] = [from.view, to.view];
      kept.forEach((old, r) => dst.set(src.subarray(old * k, (old + 1) * k), r * k));
      return to;
    };
    const X = gather(s.X, keptUsers);
    const Y = gather(s.Y, keptItems);
    kern.free(s.X);
    kern.free(s.Y);
    s.X = X;
    s.Y = Y;
    s.users = new IdMap(Array.from(keptUsers, (u) => s.users.id(u)));
    s.items = new IdMap(Array.from(keptItems, (i) => s.items.id(i)));
    if (s.test) s.test = renumberRows(s.test, keptUsers, keptItems);
    return { keptUsers, keptItems };
  }

  /** Seeded zero-mean start, N(0, 0.01²): an all-positive start makes float32 CG cancel badly. */
  initFactors(seed = this.options.seed): void {
    this.factorVersion++;
    const rng = new Rng(seed);
    for (const buf of [this.s.X, this.s.Y]) {
      const v = buf.view;
      for (let i = 0; i < v.length; i++) v[i] = 0.01 * rng.normal();
    }
  }

  /** Copies given factors in (users × k, items × k). */
  setFactors(userFactors: ArrayLike<number>, itemFactors: ArrayLike<number>): void {
    const { X, Y } = this.s;
    if (userFactors.length !== X.length || itemFactors.length !== Y.length) {
      throw new Error(`factor sizes ${userFactors.length}/${itemFactors.length} do not match ${X.length}/${Y.length}`);
    }
    this.dropInverseCache();
    this.factorVersion++;
    X.view.set(userFactors);
    Y.view.set(itemFactors);
  }

  /** One ALS pass: all users given the items, then all items given the users. */
  iterate(): void {
    const s = this.s;
    this.dropInverseCache();
    this.factorVersion++;
    this.halfStep(s.pairs.byUser, s.X, s.Y, 'user');
    this.halfStep(s.pairs.byItem, s.Y, s.X, 'item');
  }

  private halfStep(csr: CsrBufs, X: F32Buf, Y: F32Buf, side: string): void {
    const s = this.s;
    const o = this.options;
    this.kernels.gram(Y, csr.cols, this.k, o.regularization, s.gram);
    const failed = this.kernels.solveRows({
      csr, X, Y, gram: s.gram, k: this.k, start: 0, end: csr.rows,
      solver: o.solver === 'cholesky' ? SOLVER_CHOLESKY : SOLVER_CG,
      cgSteps: o.cgSteps, scratch: s.scratch,
    });
    if (failed > 0) {
      throw new ModelFitError(
        `${failed} ${side} rows had a normal matrix that is not positive definite (regularization ${o.regularization} too small?)`,
      );
    }
  }

  /**
   * Re-solves the given rows (sorted indices) of one side exactly (Cholesky), given the other
   * side's current factors (or `other`, factors of the same shape): forgetting's instant step. The rows are gathered into one small CSR
   * and solved in one call, on every thread.
   */
  solveRowsExactly(side: 'user' | 'item', rows: Int32Array, other?: F32Buf): void {
    if (rows.length === 0) return;
    this.factorVersion++;
    const s = this.s;
    const kern = this.kernels;
    const k = this.k;
    const [csr, X, Y] = side === 'user' ? [s.pairs.byUser, s.X, other ?? s.Y] : [s.pairs.byItem, s.Y, other ?? s.X];
    const ip = csr.indptr.view;
    let nnz = 0;
    for (const r of rows) nnz += ip[r + 1] - ip[r];
    const bufs: Array<F32Buf | I32Buf> = [];
    const keep = <B extends F32Buf | I32Buf>(b: B): B => (bufs.push(b), b);
    try {
      const sub: CsrBufs = {
        rows: rows.length, cols: csr.cols, indptr: keep(kern.i32(rows.length + 1)),
        indices: keep(kern.i32(Math.max(1, nnz))), conf: keep(kern.f32(Math.max(1, nnz))),
      };
      // (Cholesky ignores the start, so the old rows' factors need not be copied in)
      const Xs = keep(kern.f32(rows.length * k));
      // views taken after the allocations (growing a private memory detaches older ones)
      const [ip2, ci, cc] = [csr.indptr.view, csr.indices.view, csr.conf.view];
      const [sp, si, sc] = [sub.indptr.view, sub.indices.view, sub.conf.view];
      sp[0] = 0;
      let w = 0;
      rows.forEach((r, t) => {
        si.set(ci.subarray(ip2[r], ip2[r + 1]), w);
        sc.set(cc.subarray(ip2[r], ip2[r + 1]), w);
        w += ip2[r + 1] - ip2[r];
        sp[t + 1] = w;
      });
      kern.gram(Y, csr.cols, k, this.options.regularization, s.gram);
      const failed = kern.solveRows({
        csr: sub, X: Xs, Y, gram: s.gram, k, start: 0, end: rows.length, solver: SOLVER_CHOLESKY, cgSteps: 1, scratch: s.scratch,
      });
      if (failed) throw new ModelFitError(`${failed} ${side} rows: normal matrix not positive definite`);
      const [xs, xd] = [Xs.view, X.view];
      rows.forEach((r, t) => xd.set(xs.subarray(t * k, (t + 1) * k), r * k));
    } finally {
      // everything allocated, even when a later allocation failed
      for (const b of bufs) kern.free(b);
    }
  }

  /**
   * The training loss L(X, Y) over all pairs (float64 accumulation), on the model's interactions
   * or on `csr` (the same users and items, e.g. the remaining pairs in block mode).
   */
  loss(csr: CsrBufs = this.s.pairs.byUser): number {
    const s = this.s;
    const k = this.k;
    const kern = this.kernels;
    const gx = kern.f32(k * k);
    const gy = kern.f32(k * k);
    try {
      kern.gram(s.X, s.pairs.users, k, 0, gx);
      kern.gram(s.Y, s.pairs.items, k, 0, gy);
      const a = gx.view;
      const b = gy.view;
      let all = 0; // Σ_{u,i} (x_u·y_i)² = ⟨XᵀX, YᵀY⟩
      let norms = 0;
      for (let i = 0; i < k * k; i++) all += a[i] * b[i];
      for (let i = 0; i < k; i++) norms += a[i * k + i] + b[i * k + i];
      const sparse = kern.lossRows(csr, s.X, s.Y, k, 0, csr.rows);
      return sparse + all + this.options.regularization * norms;
    } finally {
      kern.free(gy);
      kern.free(gx);
    }
  }

  /** How far (X, Y) is from a stationary point of the loss (on `csrs`, default the model's): see `Certificate`. */
  certificate(csrs: { byUser: CsrBufs; byItem: CsrBufs } = this.s.pairs, save?: ResidualCache): Certificate {
    const s = this.s;
    const k = this.k;
    const acc = new Float64Array(2);
    const reg = this.options.regularization;
    this.kernels.gram(s.Y, s.pairs.items, k, reg, s.gram);
    this.kernels.residualRows(csrs.byUser, s.X, s.Y, s.gram, k, 0, s.pairs.users, acc, save?.users);
    this.kernels.gram(s.X, s.pairs.users, k, reg, s.gram);
    this.kernels.residualRows(csrs.byItem, s.Y, s.X, s.gram, k, 0, s.pairs.items, acc, save?.items);
    save?.filled(this.stateStamp());
    const gradNorm = 2 * Math.sqrt(acc[0]);
    // NaN stays NaN (a 0 would read as converged)
    return { residual: acc[1] > 0 ? Math.sqrt(acc[0] / acc[1]) : acc[0] === 0 ? 0 : NaN, gradNorm };
  }

  /**
   * Fits the model from the seeded random start (or `initial`): ALS passes until the certificate
   * is ≤ `options.tol`, at most `options.iterations` passes (tol 0: exactly that many).
   */
  async fit(data: TrainingData, fitOptions: FitOptions = {}): Promise<FitResult> {
    this.setData(data, data.confidence ?? confidences(data.train, data.users, data.items, this.options));
    if (fitOptions.initial) this.setFactors(fitOptions.initial.userFactors, fitOptions.initial.itemFactors);
    else this.initFactors();
    const s = this.s;
    const tol = this.options.tol;
    const trackAuc = s.test !== undefined && (fitOptions.trackAuc ?? true);
    if (fitOptions.keepBest && !trackAuc) throw new OptionError('keepBest', true, 'a test set (hold-out) whose AUC picks the iteration');
    const reports: IterationReport[] = [];
    let bestAuc = -Infinity;
    let bestIteration = 0;
    let best: { X: Float32Array; Y: Float32Array; certificate: number } | undefined;
    let residual = NaN;
    const t0 = performance.now();
    for (let it = 1; it <= this.options.iterations; it++) {
      const t = performance.now();
      this.iterate();
      const seconds = (performance.now() - t) / 1000;
      const loss = this.loss();
      if (!Number.isFinite(loss)) throw new ModelFitError(`loss became ${loss} at iteration ${it}`);
      const report: IterationReport = { iteration: it, loss, seconds };
      if (tol > 0 || fitOptions.certificate) residual = report.certificate = this.certificate().residual;
      if (trackAuc) {
        report.auc = this.auc().auc;
        if (report.auc > bestAuc) {
          bestAuc = report.auc;
          bestIteration = it;
          if (fitOptions.keepBest) best = { X: s.X.view.slice(), Y: s.Y.view.slice(), certificate: residual };
        }
      }
      reports.push(report);
      if (fitOptions.onIteration?.(report) === false) break;
      if (tol > 0 && residual <= tol) break;
    }
    let keptIteration = reports.length;
    if (best && bestIteration !== reports.length) {
      this.setFactors(best.X, best.Y);
      keptIteration = bestIteration;
      residual = NaN;
    }
    // the certificate of the factors kept (already known when the last iteration computed it)
    this.fitResidual = Number.isFinite(residual) && keptIteration === reports.length && reports.length > 0
      ? residual : this.certificate().residual;
    return {
      iterations: reports,
      bestIteration,
      bestAuc: Number.isFinite(bestAuc) ? bestAuc : NaN,
      keptIteration,
      seconds: (performance.now() - t0) / 1000,
      residual: this.fitResidual,
      tol,
      converged: tol > 0 && this.fitResidual <= tol,
      threads: this.kernels.threads,
      threadNote: this.threadNote,
    };
  }

  /** A scorer over backend memory, for evaluation. Call `release` when done. */
  scorer(maxBatch = 256): UserScorer & { release(): void } {
    const s = this.s;
    const kern = this.kernels;
    const n = this.nItems;
    const k = this.k;
    const batch = Math.max(1, Math.min(maxBatch, Math.floor(4_000_000 / n)));
    const rows = kern.i32(batch);
    const out = kern.f32(batch * n);
    return {
      nItems: n,
      batch,
      score(users: Int32Array, count: number): Float32Array {
        rows.view.set(users.subarray(0, count));
        kern.scoreRows(s.X, rows, count, s.Y, n, k, out);
        return out.view;
      },
      countBelow: (offset: number, v: number): number => kern.countBelow(out, offset, n, v),
      release(): void {
        kern.free(out);
        kern.free(rows);
      },
    };
  }

  /** Exact held-out AUC on `test` (default: the test set given to fit). */
  auc(test: PairRows | undefined = this.s.test): AucResult {
    if (!test) throw new Error('no test set: fit with a hold-out or pass one');
    const sc = this.scorer();
    try {
      return heldOutAuc(sc, this.trainRows, test);
    } finally {
      sc.release();
    }
  }

  /** precision@K, MAP@K, nDCG@K as `implicit` defines them (see eval/ranking.ts). */
  rankingMetrics(K = 10, test: PairRows | undefined = this.s.test): RankingMetrics {
    checkN(K, 'K');
    if (!test) throw new Error('no test set: fit with a hold-out or pass one');
    const sc = this.scorer();
    try {
      return rankingMetricsAtK(sc, this.trainRows, test, K);
    } finally {
      sc.release();
    }
  }

  /**
   * Held-out pairs given by external id, as rows for `auc` and `rankingMetrics`: pairs of unknown
   * users or items, pairs the model trained on, and repeats are left out and counted.
   */
  pairsByIds(pairs: ReadonlyArray<readonly [string | number, string | number]>): HeldOutRows {
    return heldOutRows(this.s.users, this.s.items, this.trainRows, pairs);
  }

  /** Mean of x_u·y_i over (user, item) index pairs (float64; 0 for an empty list). */
  meanScore(users: ArrayLike<number>, items: ArrayLike<number>): number {
    const X = this.s.X.view;
    const Y = this.s.Y.view;
    const k = this.k;
    let sum = 0;
    for (let t = 0; t < users.length; t++) {
      const xo = users[t] * k;
      const yo = items[t] * k;
      let d = 0;
      for (let f = 0; f < k; f++) d += X[xo + f] * Y[yo + f];
      sum += d;
    }
    return users.length ? sum / users.length : 0;
  }

  /** The index of a user id (UnknownIdError when the model does not know it). */
  userIndex(user: string | number): number {
    const u = this.s.users.get(String(user));
    if (u === undefined) throw new UnknownIdError('user', String(user));
    return u;
  }

  /** The index of an item id (UnknownIdError when the model does not know it). */
  itemIndex(item: string | number): number {
    const i = this.s.items.get(String(item));
    if (i === undefined) throw new UnknownIdError('item', String(item));
    return i;
  }

  /**
   * The n best items for a known user, by x_u·y_i. `filterSeen` (default) skips the user's training
   * items, `filterItems` skips these, `items` ranks only these (the candidates). A user with no
   * training pair left (all forgotten) gets []: their factor is 0 and every score would be 0.
   */
  recommend(user: string | number, n = 10, opts: RecommendOptions = {}): Recommendation[] {
    const u = this.userIndex(user);
    checkN(n);
    if (this.s.pairs.userCount(u) === 0) return [];
    const scores = this.scoreAll(this.s.X, u);
    this.markFiltered(scores, 0, opts.filterSeen !== false ? u : -1, opts);
    return this.pick(scores, n);
  }

  /** The n best items for a user factor given directly (e.g. from `recalculateUser`). */
  recommendFor(factor: ArrayLike<number>, n = 10, opts: Omit<RecommendOptions, 'filterSeen'> & { seen?: Array<string | number> } = {}): Recommendation[] {
    checkN(n);
    if (factor.length !== this.k) throw new OptionError('factor', factor.length, `${this.k} numbers`);
    const Y = this.s.Y.view;
    const k = this.k;
    const scores = new Float32Array(this.nItems);
    for (let j = 0; j < scores.length; j++) {
      let d = 0;
      for (let f = 0; f < k; f++) d += factor[f] * Y[j * k + f];
      scores[j] = d;
    }
    this.markFiltered(scores, 0, -1, { ...opts, filterItems: [...(opts.filterItems ?? []), ...(opts.seen ?? [])] });
    return this.pick(scores, n);
  }

  /**
   * Top-n for many users at once: the scores come from the batched (threaded) scoring kernel. Row
   * r of `items`/`scores` (n entries; −1 and NaN past the end of a short list) belongs to users[r];
   * `itemId(j)` gives an item index's external id. Options as for `recommend`.
   */
  recommendMany(users: ReadonlyArray<string | number>, n = 10, opts: RecommendOptions = {}): RecommendBatch {
    checkN(n);
    const rows = Int32Array.from(users, (u) => this.userIndex(u));
    const m = this.nItems;
    const items = new Int32Array(rows.length * n).fill(-1);
    const scores = new Float32Array(rows.length * n).fill(NaN);
    const sc = this.scorer();
    try {
      for (let b0 = 0; b0 < rows.length; b0 += sc.batch) {
        const count = Math.min(sc.batch, rows.length - b0);
        const out = sc.score(rows.subarray(b0, b0 + count), count);
        for (let b = 0; b < count; b++) {
          const u = rows[b0 + b];
          if (this.s.pairs.userCount(u) === 0) continue;
          this.markFiltered(out, b * m, opts.filterSeen !== false ? u : -1, opts);
          const best = topN(out, b * m, m, n);
          items.set(best.items, (b0 + b) * n);
          scores.set(best.scores, (b0 + b) * n);
        }
      }
    } finally {
      sc.release();
    }
    const ids = this.s.items;
    return { users: rows, n, items, scores, itemId: (j: number) => ids.id(j) };
  }

  /**
   * Items most similar to `item` by cosine of item factors. The item itself is left out unless
   * `includeSelf` (implicit's `similar_items` returns it first, with similarity 1); `filterItems`
   * and `items` as for `recommend`.
   */
  similarItems(item: string | number, n = 10, opts: SimilarOptions = {}): Recommendation[] {
    const i = this.itemIndex(item);
    checkN(n);
    const cos = this.cosines(this.s.Y, i, this.nItems);
    const self = cos[i];
    // the item itself first when asked (other items can tie with it at 1 in float32)
    cos[i] = opts.includeSelf ? Infinity : NaN;
    this.markFiltered(cos, 0, -1, { filterItems: opts.filter, items: opts.among });
    return this.pick(cos, n).map((r) => (r.score === Infinity ? { item: r.item, score: self } : r));
  }

  /** Users most similar to `user` by cosine of user factors (options as for `similarItems`, on user ids). */
  similarUsers(user: string | number, n = 10, opts: SimilarOptions = {}): Array<{ user: string; score: number }> {
    const u = this.userIndex(user);
    checkN(n);
    const cos = this.cosines(this.s.X, u, this.nUsers);
    const self = cos[u];
    cos[u] = opts.includeSelf ? Infinity : NaN;
    markIds(cos, this.s.users, 'user', opts.filter, opts.among);
    const best = topN(cos, 0, cos.length, n);
    return Array.from(best.items, (j, t) => ({ user: this.s.users.id(j), score: best.scores[t] === Infinity ? self : best.scores[t] }));
  }

  /**
   * Why `user` is shown `item`: the score of the user's exact fold-in factor x = A⁻¹ b split into
   * one contribution per training item j, c_uj (L⁻¹y_i)·(L⁻¹y_j) with A = LLᵀ the user's normal
   * matrix (as implicit's `explain`). The contributions add up to `score` = y_i·x; for a model whose
   * users were last solved exactly it equals the model's own score. `top`: the n largest.
   */
  explain(user: string | number, item: string | number, n = 10): Explanation {
    const u = this.userIndex(user);
    const i = this.itemIndex(item);
    checkN(n);
    const s = this.s;
    const k = this.k;
    const Y = s.Y.view;
    const ip = s.pairs.byUser.indptr.view;
    const ix = s.pairs.byUser.indices.view;
    const cf = s.pairs.byUser.conf.view;
    // A = YᵀY + λI + Σ (c − 1) y yᵀ over the user's pairs, in float64
    const A = new Float64Array(k * k);
    for (let j = 0; j < this.nItems; j++) {
      const o = j * k;
      for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) A[a * k + b] += Y[o + a] * Y[o + b];
    }
    for (let p = ip[u]; p < ip[u + 1]; p++) {
      const o = ix[p] * k;
      const w = cf[p] - 1;
      for (let a = 0; a < k; a++) for (let b = 0; b <= a; b++) A[a * k + b] += w * Y[o + a] * Y[o + b];
    }
    for (let a = 0; a < k; a++) A[a * k + a] += this.options.regularization;
    const L = A; // factorised in place: its lower triangle becomes L
    if (!cholesky(L, k)) throw new ModelFitError('the user\'s normal matrix is not positive definite');
    const forward = (o: number): Float64Array => {
      const z = new Float64Array(k);
      for (let a = 0; a < k; a++) {
        let t = Y[o + a];
        for (let b = 0; b < a; b++) t -= L[a * k + b] * z[b];
        z[a] = t / L[a * k + a];
      }
      return z;
    };
    const zi = forward(i * k);
    const all: Array<{ item: string; score: number }> = [];
    let score = 0;
    for (let p = ip[u]; p < ip[u + 1]; p++) {
      const zj = forward(ix[p] * k);
      let d = 0;
      for (let a = 0; a < k; a++) d += zi[a] * zj[a];
      const c = d * cf[p];
      score += c;
      all.push({ item: s.items.id(ix[p]), score: c });
    }
    all.sort((a, b) => b.score - a.score);
    return { score, top: all.slice(0, n), items: all.length };
  }

  /**
   * Fold-in: the exact factor of a user with these items (known item ids; unknown ones throw),
   * solved against the fixed item factors, with binary confidence 1 + α. The model is not changed.
   */
  recalculateUser(items: Array<string | number>): Float32Array {
    return this.foldIn(this.s.Y, this.nItems, items.map((it) => this.itemIndex(it)));
  }

  /** Fold-in of an item from the users who have it (known user ids), against the fixed user factors. */
  recalculateItem(users: Array<string | number>): Float32Array {
    return this.foldIn(this.s.X, this.nUsers, users.map((u) => this.userIndex(u)));
  }

  private foldIn(Q: F32Buf, rows: number, indices: number[]): Float32Array {
    const idx = Array.from(new Set(indices)).sort((a, b) => a - b);
    const kern = this.kernels;
    const k = this.k;
    const s = this.s;
    const one = TrainingPairs.upload(kern, 1, rows, Int32Array.of(0, idx.length), Int32Array.from(idx), 1 + this.options.alpha);
    const x = kern.f32(k);
    try {
      kern.gram(Q, rows, k, this.options.regularization, s.gram);
      kern.solveRows({
        csr: one.byUser, X: x, Y: Q, gram: s.gram, k, start: 0, end: 1,
        solver: SOLVER_CHOLESKY, cgSteps: this.options.cgSteps, scratch: s.scratch,
      });
      return x.view.slice();
    } finally {
      kern.free(x);
      one.free();
    }
  }

  /** NaN (skipped by topN) for what a request leaves out: the user's seen items, a filter, non-candidates. */
  private markFiltered(scores: Float32Array, offset: number, seenOf: number, opts: Pick<RecommendOptions, 'filterItems' | 'items'>): void {
    if (seenOf >= 0) {
      const tr = this.trainRows;
      for (let p = tr.indptr[seenOf]; p < tr.indptr[seenOf + 1]; p++) scores[offset + tr.indices[p]] = NaN;
    }
    markIds(scores.subarray(offset, offset + this.nItems), this.s.items, 'item', opts.filterItems, opts.items);
  }

  /** Cosine of row r of Q (rows × k) with every row (0 where a norm is 0). */
  private cosines(Q: F32Buf, r: number, rows: number): Float32Array {
    const k = this.k;
    const dots = new Float32Array(rows);
    const V = Q.view;
    const norm = (j: number): number => {
      let q = 0;
      for (let f = 0; f < k; f++) q += V[j * k + f] * V[j * k + f];
      return Math.sqrt(q);
    };
    const nr = norm(r);
    for (let j = 0; j < rows; j++) {
      let d = 0;
      for (let f = 0; f < k; f++) d += V[r * k + f] * V[j * k + f];
      const den = nr * norm(j);
      dots[j] = den > 0 ? d / den : 0;
    }
    return dots;
  }

  /** Scores of every item against row `r` of Q (a copy). */
  private scoreAll(Q: F32Buf, r: number): Float32Array {
    const kern = this.kernels;
    const rows = kern.i32(1);
    const out = kern.f32(this.nItems);
    try {
      rows.view[0] = r;
      kern.scoreRows(Q, rows, 1, this.s.Y, this.nItems, this.k, out);
      return out.view.slice();
    } finally {
      kern.free(out);
      kern.free(rows);
    }
  }

  private pick(scores: Float32Array, n: number): Recommendation[] {
    const best = topN(scores, 0, scores.length, n);
    const ids = this.s.items;
    return Array.from(best.items, (j, t) => ({ item: ids.id(j), score: best.scores[t] }));
  }

  /**
   * Forgets user–item pairs (external ids) as if they had never been seen, wherever the model
   * stores them (training and held-out pairs): see model/forget.ts for the modes, the stop rule,
   * the instant step, the untrain passes and their certificate.
   */
  forget(pairs: readonly Pair[], options: ForgetOptions = {}): ForgetResult {
    return forget(this, pairs, options);
  }

  /**
   * Forgets whole users or items: every pair of theirs (training and held-out), and then the
   * users and items themselves (ids, factor rows): afterwards the model does not know them.
   */
  forgetRows(which: { users?: ReadonlyArray<string | number>; items?: ReadonlyArray<string | number> }, options: ForgetOptions = {}): ForgetResult {
    return forgetRows(this, which, options);
  }

  /**
   * Learns new interactions (external ids; new users and items join the model) and runs warm passes
   * to the same certificate rule as `forget`: see model/learn.ts.
   */
  learn(pairs: readonly LearnPair[], options: ForgetOptions = {}): LearnResult {
    return learn(this, pairs, options);
  }

  /**
   * Builds the inverse cache for the current factors (a Cholesky pass plus inversions; rows × k²
   * floats of memory). Forgetting then re-solves affected rows by O(k²) rank-one updates.
   */
  cacheInverses(): InverseCache {
    this.dropInverseCache();
    const s = this.s;
    const kern = this.kernels;
    const k = this.k;
    const reg = this.options.regularization;
    const t = performance.now();
    const users = kern.f32(s.pairs.users * k * k);
    const items = kern.f32(s.pairs.items * k * k);
    const scratch = kern.f32(solveScratchFloats(k));
    try {
      kern.gram(s.Y, s.pairs.items, k, reg, s.gram);
      let failed = kern.invertRows({ csr: s.pairs.byUser, Y: s.Y, gram: s.gram, k, start: 0, end: s.pairs.users, out: users, scratch });
      kern.gram(s.X, s.pairs.users, k, reg, s.gram);
      failed += kern.invertRows({ csr: s.pairs.byItem, Y: s.X, gram: s.gram, k, start: 0, end: s.pairs.items, out: items, scratch });
      if (failed) throw new ModelFitError(`${failed} rows have a normal matrix that is not positive definite`);
    } catch (err) {
      kern.free(items);
      kern.free(users);
      throw err;
    } finally {
      kern.free(scratch);
    }
    this.inverseCache = { users, items, bytes: (users.length + items.length) * 4, seconds: (performance.now() - t) / 1000 };
    return this.inverseCache;
  }

  dropInverseCache(): void {
    const c = this.inverseCache;
    if (!c) return;
    this.kernels.free(c.items);
    this.kernels.free(c.users);
    this.inverseCache = undefined;
  }

  /** Identifies the current factors and interactions (what a cache of derived values was built for). */
  stateStamp(): string {
    return `${this.factorVersion}:${this.s.pairs.version}`;
  }

  /**
   * The residual cache, allocated on first use: 32·(users + items)·k bytes, refused (null) above
   * 256 MiB, where full certificates stay the only way.
   */
  ensureResidualCache(): ResidualCache | null {
    if (!this.residualCache) {
      this.residualCache = ResidualCache.allocate(this.kernels, this.nUsers, this.nItems, this.k, 256 * 2 ** 20) ?? undefined;
    }
    return this.residualCache ?? null;
  }

  dropResidualCache(): void {
    this.residualCache?.free();
    this.residualCache = undefined;
  }

  /** Frees the backend memory held by this model (it can be fitted again afterwards). */
  dispose(): void {
    this.release();
    this.kernels.close();
  }

  private release(): void {
    this.dropInverseCache();
    this.dropResidualCache();
    const s = this.state;
    if (!s) return;
    const kern = this.kernels;
    for (const b of [s.scratch, s.gram, s.Y, s.X]) kern.free(b);
    s.pairs.free();
    this.state = undefined;
  }
}

function checkN(n: number, name = 'n'): void {
  if (!Number.isInteger(n) || n < 1) throw new OptionError(name, n, 'an integer ≥ 1');
}

/** NaN for the ids in `drop`, and for every id not in `keep` when it is given (unknown ids throw). */
function markIds(
  scores: Float32Array, ids: IdMap, kind: 'user' | 'item', drop?: ReadonlyArray<string | number>, keep?: ReadonlyArray<string | number>,
): void {
  const index = (id: string | number): number => {
    const r = ids.get(String(id));
    if (r === undefined) throw new UnknownIdError(kind, String(id));
    return r;
  };
  if (keep) {
    const allowed = new Uint8Array(scores.length);
    for (const id of keep) allowed[index(id)] = 1;
    for (let j = 0; j < scores.length; j++) if (!allowed[j]) scores[j] = NaN;
  }
  if (drop) for (const id of drop) scores[index(id)] = NaN;
}

/**
 * The checks a model file gets on load, for data handed to the API: a bad offset or index would
 * otherwise write out of range in backend memory (a WASM trap, or a hang), not fail with a reason.
 */
function checkTrainingData(data: TrainingData, confidence?: Float32Array): void {
  const fail: Fail = (what, where, expected) => {
    throw new OptionError('data', where, `${expected} (${what})`);
  };
  const rows = (label: string, m: PairRows): Rows => ({
    label, indptrName: `${label === 'training' ? 'train' : 'test'}.indptr`, indicesName: `${label === 'training' ? 'train' : 'test'}.indices`,
    indptr: m.indptr.subarray(0, m.rows + 1), indices: m.indices,
  });
  const train = rows('training', data.train);
  if (train.indptr.length !== data.train.rows + 1) fail('training row offsets too short', `${train.indptr.length} offsets`, `${data.train.rows + 1}`);
  checkIndptr(train, Math.min(data.train.indptr[data.train.rows], data.train.indices.length), fail);
  checkIndices(train, data.train.cols, data.users, fail);
  if (confidence) {
    if (confidence.length < data.train.indptr[data.train.rows]) fail('too few confidences', `${confidence.length}`, 'one per training pair');
    checkConfidence(confidence.subarray(0, data.train.indptr[data.train.rows]), train, data.users, data.items, fail);
  }
  if (data.test) {
    const test = rows('held-out', data.test);
    if (data.test.rows !== data.train.rows || data.test.cols !== data.train.cols) {
      fail('held-out matrix of another shape', `${data.test.rows}×${data.test.cols}`, `${data.train.rows}×${data.train.cols}`);
    }
    checkIndptr(test, Math.min(data.test.indptr[data.test.rows], data.test.indices.length), fail);
    checkIndices(test, data.test.cols, data.users, fail);
    checkDisjoint(train, test, data.users, data.items, fail);
  }
}

/** A CSR restricted to the kept rows and columns (old indices, ascending), renumbered. */
function renumberRows(m: PairRows, keptRows: Int32Array, keptCols: Int32Array): PairRows {
  const newCol = new Int32Array(m.cols).fill(-1);
  keptCols.forEach((old, c) => (newCol[old] = c));
  const indptr = new Int32Array(keptRows.length + 1);
  const out: number[] = [];
  keptRows.forEach((r, t) => {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const c = newCol[m.indices[p]];
      if (c >= 0) out.push(c);
    }
    indptr[t + 1] = out.length;
  });
  return { rows: keptRows.length, cols: keptCols.length, indptr, indices: Int32Array.from(out) };
}

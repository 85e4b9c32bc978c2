// The ALS model: implicit-feedback matrix factorisation (Hu, Koren, Volinsky 2008) fitted by
// alternating least squares, with the YᵀY trick and either an exact (Cholesky) or a warm-started
// conjugate-gradient row solver (Takács et al. 2011). Written once over the `Kernels` interface.
//
// Loss (over ALL user–item pairs, computed sparsely):
//   L(X, Y) = Σ_{u,i} c_ui (p_ui − x_u·y_i)² + λ(‖X‖² + ‖Y‖²)
// with p = 1, c = 1 + α for a stored pair and p = 0, c = 1 for every other pair.
import type { IdMap } from '../data/interactions.js';
import { Rng } from '../data/random.js';
import { heldOutAuc, type AucResult } from '../eval/auc.js';
import { rankingMetricsAtK, type RankingMetrics } from '../eval/ranking.js';
import type { SparseRows, UserScorer } from '../eval/scorer.js';
import { topN } from '../eval/topn.js';
import {
  SOLVER_CG, SOLVER_CHOLESKY, solveScratchFloats, freeCsr,
  type CsrBufs, type F32Buf, type I32Buf, type Kernels,
} from '../kernels/kernels.js';
import { loadKernels } from '../kernels/select.js';
import { threadHost } from '../kernels/threads.js';
import { resolveOptions, OptionError, type AlsOptions } from './options.js';
import { forget, type ForgetOptions, type ForgetResult, type Pair } from './forget.js';

/** Interactions in CSR form (rows = users). Only the pattern is used: every stored pair is p = 1. */
export interface PairRows extends SparseRows {
  nnz?: number;
}

export interface TrainingData {
  users: IdMap;
  items: IdMap;
  train: PairRows;
  /** Held-out pairs for validation AUC (same shape as train). */
  test?: PairRows;
}

export interface IterationReport {
  iteration: number;
  loss: number;
  seconds: number;
  /** Validation AUC after this iteration, when a test set was given. */
  auc?: number;
  /** Relative residual after this iteration, when asked for (`FitOptions.certificate`). */
  certificate?: number;
}

export interface FitOptions {
  /** Called after every iteration; return `false` to stop early. */
  onIteration?: (report: IterationReport) => void | boolean;
  /** Keep the factors of the iteration with the best validation AUC (the paper's early stopping). */
  keepBest?: boolean;
  /** Also compute the certificate (relative residual) after every iteration. */
  certificate?: boolean;
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

/** Training produced non-finite numbers or a singular system. */
export class ModelFitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFitError';
  }
}

/** A user or item id the model does not know. */
export class UnknownIdError extends Error {
  constructor(
    readonly kind: 'user' | 'item',
    readonly id: string,
  ) {
    super(`unknown ${kind} "${id}": not in the model's training data`);
    this.name = 'UnknownIdError';
  }
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

/** The model's buffers in backend memory (for forgetting; not a stable public API). */
export interface State {
  users: IdMap;
  items: IdMap;
  userCsr: CsrBufs;
  itemCsr: CsrBufs;
  test?: PairRows;
  X: F32Buf;
  Y: F32Buf;
  gram: F32Buf;
  scratch: F32Buf;
}

export class ALS {
  readonly options: AlsOptions;
  private state: State | undefined;
  /** Relative residual recorded at the end of the last fit (or loaded from a file). */
  fitResidual = NaN;
  /** Cached inverses of every row's normal matrix, for Sherman–Morrison forgetting (optional). */
  inverseCache: InverseCache | undefined;

  private constructor(
    readonly kernels: Kernels,
    options: AlsOptions,
  ) {
    this.options = options;
  }

  /** Validates the options and loads the kernel backend. */
  static async create(options: Partial<AlsOptions> = {}): Promise<ALS> {
    const o = resolveOptions(options);
    return new ALS(await loadKernels(o.backend, { threads: o.threads || defaultThreads() }), o);
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
    return this.s.userCsr.rows;
  }
  get nItems(): number {
    return this.s.itemCsr.rows;
  }
  /** Zero-copy view of the user factors (users × k, row-major). Re-read after any allocation. */
  get userFactors(): Float32Array {
    return this.s.X.view;
  }
  get itemFactors(): Float32Array {
    return this.s.Y.view;
  }
  /** The training interactions by user (views into backend memory). */
  get trainRows(): PairRows {
    const c = this.s.userCsr;
    return { rows: c.rows, cols: c.cols, indptr: c.indptr.view, indices: c.indices.view, nnz: c.indices.length };
  }
  /** Confidence of each stored training pair, aligned with `trainRows.indices`. */
  get trainConfidence(): Float32Array {
    return this.s.userCsr.conf.view;
  }
  get testRows(): PairRows | undefined {
    return this.s.test;
  }

  /**
   * Loads interactions into backend memory (CSR by user and by item, confidence 1 + α) and
   * allocates the factors. Used by `fit` and by model loading. The pairs are copied once, straight
   * into backend memory; the item side is transposed there (no intermediate copies in JS).
   */
  setData(data: TrainingData, confidence?: Float32Array): void {
    const { train } = data;
    const k = this.k;
    if (train.rows !== data.users.size || train.cols !== data.items.size) {
      throw new Error(`train matrix is ${train.rows}×${train.cols} but there are ${data.users.size} users and ${data.items.size} items`);
    }
    const nnz = train.indptr[train.rows];
    if (nnz === 0) throw new OptionError('data', 'no interactions', 'at least one training interaction');
    if (k > train.cols) {
      throw new OptionError('factors', k, `at most the number of items (${train.cols})`);
    }
    this.release();
    const kern = this.kernels;
    const conf = confidence ?? 1 + this.options.alpha;
    const { userCsr, itemCsr } = this.uploadBoth(train.rows, train.cols, train.indptr, train.indices.subarray(0, nnz), conf);
    this.state = {
      users: data.users,
      items: data.items,
      userCsr,
      itemCsr,
      test: data.test,
      X: kern.f32(train.rows * k),
      Y: kern.f32(train.cols * k),
      gram: kern.f32(k * k),
      scratch: kern.f32(solveScratchFloats(k)),
    };
  }

  /**
   * CSR by user and by item (the transpose) in backend memory. `conf`: the confidence of each
   * pair, or one confidence for all of them.
   */
  uploadBoth(
    rows: number, cols: number, indptr: Int32Array, indices: Int32Array, conf: Float32Array | number,
  ): { userCsr: CsrBufs; itemCsr: CsrBufs } {
    const userCsr = this.upload(rows, cols, indptr, indices, conf);
    try {
      return { userCsr, itemCsr: this.transposeInBackend(userCsr) };
    } catch (err) {
      freeCsr(this.kernels, userCsr);
      throw err;
    }
  }

  /**
   * Replaces the training interactions (same users and items), keeping the factors. When the new
   * interactions are no more than the old ones (forgetting), the old buffers are freed first so
   * that the new ones take their place: backend memory holds one copy of the interactions, never
   * two. Arrays that are views of the old buffers are copied before those are freed.
   */
  replaceInteractions(indptr: Int32Array, indices: Int32Array, conf: Float32Array): void {
    const s = this.s;
    const kern = this.kernels;
    const old = [s.userCsr, s.itemCsr];
    const shrinks = indptr[s.userCsr.rows] <= s.userCsr.indices.length && indices.length <= s.userCsr.indices.length
      && conf.length <= s.userCsr.conf.length;
    if (!shrinks) {
      const fresh = this.uploadBoth(s.userCsr.rows, s.userCsr.cols, indptr, indices, conf);
      for (const c of old) freeCsr(kern, c);
      s.userCsr = fresh.userCsr;
      s.itemCsr = fresh.itemCsr;
      return;
    }
    const bufs = old.flatMap((c) => [c.indptr.view, c.indices.view, c.conf.view]);
    const own = <T extends Int32Array | Float32Array>(a: T): T => (bufs.some((b) => overlaps(a, b)) ? (a.slice() as T) : a);
    indptr = own(indptr);
    indices = own(indices);
    conf = own(conf);
    const { rows, cols } = s.userCsr;
    for (const c of old.reverse()) freeCsr(kern, c);
    try {
      const fresh = this.uploadBoth(rows, cols, indptr, indices, conf);
      s.userCsr = fresh.userCsr;
      s.itemCsr = fresh.itemCsr;
    } catch (err) {
      // only when backend memory cannot hold what it held a moment ago: the model has no data now
      for (const b of [s.scratch, s.gram, s.Y, s.X]) kern.free(b);
      this.state = undefined;
      throw err;
    }
  }

  /** The buffers in backend memory. For forgetting; not a stable public API. */
  get internals(): State {
    return this.s;
  }

  private upload(rows: number, cols: number, indptr: Int32Array, indices: Int32Array, conf: Float32Array | number): CsrBufs {
    const kern = this.kernels;
    const n = indices.length;
    const p = kern.i32(rows + 1);
    const ix = kern.i32(n);
    const c = kern.f32(typeof conf === 'number' ? n : conf.length);
    p.view.set(indptr.subarray(0, rows + 1));
    ix.view.set(indices);
    if (typeof conf === 'number') c.view.fill(conf);
    else c.view.set(conf);
    return { rows, cols, indptr: p, indices: ix, conf: c };
  }

  /**
   * The transpose of a CSR in backend memory, built there: rows and cols swap, each new row's
   * indices ascending, confidences travel with their pairs (as `transpose` in data/interactions).
   */
  private transposeInBackend(csr: CsrBufs): CsrBufs {
    const kern = this.kernels;
    const { rows, cols } = csr;
    const nnz = csr.indptr.view[rows];
    const tp = kern.i32(cols + 1);
    let ti: I32Buf | undefined;
    let tc: F32Buf | undefined;
    try {
      ti = kern.i32(nnz);
      tc = kern.f32(nnz);
    } catch (err) {
      if (ti) kern.free(ti);
      kern.free(tp);
      throw err;
    }
    // views after the last allocation (growing the memory may replace its buffer)
    const indptr = csr.indptr.view;
    const indices = csr.indices.view;
    const conf = csr.conf.view;
    const ptr = tp.view;
    const ind = ti!.view;
    const cf = tc!.view;
    // (kern.i32 promises zeros, but the WASM heap hands out space given back to its top unzeroed)
    ptr.fill(0);
    for (let p = 0; p < nnz; p++) ptr[indices[p] + 1]++;
    for (let j = 0; j < cols; j++) ptr[j + 1] += ptr[j];
    const next = ptr.slice(0, cols);
    for (let i = 0; i < rows; i++) {
      const end = indptr[i + 1];
      for (let p = indptr[i]; p < end; p++) {
        const q = next[indices[p]]++;
        ind[q] = i;
        cf[q] = conf[p];
      }
    }
    return { rows: cols, cols: rows, indptr: tp, indices: ti!, conf: tc! };
  }

  /** Seeded zero-mean start, N(0, 0.01²): an all-positive start makes float32 CG cancel badly. */
  initFactors(seed = this.options.seed): void {
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
    X.view.set(userFactors);
    Y.view.set(itemFactors);
  }

  /** One ALS pass: all users given the items, then all items given the users. */
  iterate(): void {
    const s = this.s;
    this.dropInverseCache();
    this.halfStep(s.userCsr, s.X, s.Y, 'user');
    this.halfStep(s.itemCsr, s.Y, s.X, 'item');
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
   * The training loss L(X, Y) over all pairs (float64 accumulation), on the model's interactions
   * or on `csr` (the same users and items, e.g. the remaining pairs in block mode).
   */
  loss(csr: CsrBufs = this.s.userCsr): number {
    const s = this.s;
    const k = this.k;
    const kern = this.kernels;
    const gx = kern.f32(k * k);
    const gy = kern.f32(k * k);
    try {
      kern.gram(s.X, s.userCsr.rows, k, 0, gx);
      kern.gram(s.Y, s.itemCsr.rows, k, 0, gy);
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
  certificate(csrs: { userCsr: CsrBufs; itemCsr: CsrBufs } = this.s): Certificate {
    const s = this.s;
    const k = this.k;
    const acc = new Float64Array(2);
    const reg = this.options.regularization;
    this.kernels.gram(s.Y, s.itemCsr.rows, k, reg, s.gram);
    this.kernels.residualRows(csrs.userCsr, s.X, s.Y, s.gram, k, 0, s.userCsr.rows, acc);
    this.kernels.gram(s.X, s.userCsr.rows, k, reg, s.gram);
    this.kernels.residualRows(csrs.itemCsr, s.Y, s.X, s.gram, k, 0, s.itemCsr.rows, acc);
    const gradNorm = 2 * Math.sqrt(acc[0]);
    return { residual: acc[1] > 0 ? Math.sqrt(acc[0] / acc[1]) : 0, gradNorm };
  }

  /** Fits the model from the seeded random start (or `initial`), `options.iterations` passes. */
  async fit(data: TrainingData, fitOptions: FitOptions = {}): Promise<FitResult> {
    this.setData(data);
    if (fitOptions.initial) this.setFactors(fitOptions.initial.userFactors, fitOptions.initial.itemFactors);
    else this.initFactors();
    const s = this.s;
    const reports: IterationReport[] = [];
    let bestAuc = -Infinity;
    let bestIteration = 0;
    let best: { X: Float32Array; Y: Float32Array } | undefined;
    const t0 = performance.now();
    for (let it = 1; it <= this.options.iterations; it++) {
      const t = performance.now();
      this.iterate();
      const seconds = (performance.now() - t) / 1000;
      const loss = this.loss();
      if (!Number.isFinite(loss)) throw new ModelFitError(`loss became ${loss} at iteration ${it}`);
      const report: IterationReport = { iteration: it, loss, seconds };
      if (fitOptions.certificate) report.certificate = this.certificate().residual;
      if (s.test) {
        report.auc = this.auc().auc;
        if (report.auc > bestAuc) {
          bestAuc = report.auc;
          bestIteration = it;
          if (fitOptions.keepBest) best = { X: s.X.view.slice(), Y: s.Y.view.slice() };
        }
      }
      reports.push(report);
      if (fitOptions.onIteration?.(report) === false) break;
    }
    let keptIteration = reports.length;
    if (best && bestIteration !== reports.length) {
      this.setFactors(best.X, best.Y);
      keptIteration = bestIteration;
    }
    this.fitResidual = this.certificate().residual;
    return {
      iterations: reports,
      bestIteration,
      bestAuc: Number.isFinite(bestAuc) ? bestAuc : NaN,
      keptIteration,
      seconds: (performance.now() - t0) / 1000,
      residual: this.fitResidual,
      threads: this.kernels.threads,
      threadNote: this.kernels.threadNote,
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
    if (!test) throw new Error('no test set: fit with a hold-out or pass one');
    const sc = this.scorer();
    try {
      return rankingMetricsAtK(sc, this.trainRows, test, K);
    } finally {
      sc.release();
    }
  }

  private userIndex(user: string | number): number {
    const u = this.s.users.get(String(user));
    if (u === undefined) throw new UnknownIdError('user', String(user));
    return u;
  }

  private itemIndex(item: string | number): number {
    const i = this.s.items.get(String(item));
    if (i === undefined) throw new UnknownIdError('item', String(item));
    return i;
  }

  /** The n best items for a known user, by x_u·y_i; `filterSeen` (default) skips training items. */
  recommend(user: string | number, n = 10, opts: { filterSeen?: boolean } = {}): Recommendation[] {
    const u = this.userIndex(user);
    const scores = this.scoreAll(this.s.X, u);
    if (opts.filterSeen !== false) {
      // topN passes over NaN scores: marking the seen items costs their count, not a test per item
      const tr = this.trainRows;
      for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) scores[tr.indices[p]] = NaN;
    }
    return this.pick(scores, n);
  }

  /** Items most similar to `item` by cosine of item factors (the item itself excluded). */
  similarItems(item: string | number, n = 10): Recommendation[] {
    const i = this.itemIndex(item);
    const Y = this.s.Y.view;
    const k = this.k;
    const dots = this.scoreAll(this.s.Y, i);
    const norm = (r: number): number => {
      let q = 0;
      for (let f = 0; f < k; f++) q += Y[r * k + f] * Y[r * k + f];
      return Math.sqrt(q);
    };
    const ni = norm(i);
    for (let j = 0; j < dots.length; j++) {
      const d = ni * norm(j);
      dots[j] = d > 0 ? dots[j] / d : 0;
    }
    return this.pick(dots, n, (j) => j === i);
  }

  /**
   * Fold-in: the exact factor of a user with these items (known item ids; unknown ones throw),
   * solved against the fixed item factors. The model is not changed.
   */
  recalculateUser(items: Array<string | number>): Float32Array {
    const idx = Array.from(new Set(items.map((it) => this.itemIndex(it)))).sort((a, b) => a - b);
    const kern = this.kernels;
    const k = this.k;
    const s = this.s;
    const csr = this.upload(1, this.nItems, Int32Array.of(0, idx.length), Int32Array.from(idx),
      new Float32Array(idx.length).fill(1 + this.options.alpha));
    const x = kern.f32(k);
    try {
      kern.gram(s.Y, this.nItems, k, this.options.regularization, s.gram);
      kern.solveRows({
        csr, X: x, Y: s.Y, gram: s.gram, k, start: 0, end: 1,
        solver: SOLVER_CHOLESKY, cgSteps: this.options.cgSteps, scratch: s.scratch,
      });
      return x.view.slice();
    } finally {
      kern.free(x);
      freeCsr(kern, csr);
    }
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

  private pick(scores: Float32Array, n: number, skip?: (j: number) => boolean): Recommendation[] {
    if (!Number.isInteger(n) || n < 1) throw new OptionError('n', n, 'an integer ≥ 1');
    const best = topN(scores, 0, scores.length, n, skip);
    const ids = this.s.items;
    return Array.from(best.items, (j, t) => ({ item: ids.id(j), score: best.scores[t] }));
  }

  /**
   * Forgets user–item pairs (external ids) as if they had never been seen: see model/forget.ts
   * for the modes, the instant step, the untrain passes and their certificate.
   */
  forget(pairs: readonly Pair[], options: ForgetOptions = {}): ForgetResult {
    return forget(this, pairs, options);
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
    const users = kern.f32(s.userCsr.rows * k * k);
    const items = kern.f32(s.itemCsr.rows * k * k);
    const scratch = kern.f32(solveScratchFloats(k));
    try {
      kern.gram(s.Y, s.itemCsr.rows, k, reg, s.gram);
      let failed = kern.invertRows({ csr: s.userCsr, Y: s.Y, gram: s.gram, k, start: 0, end: s.userCsr.rows, out: users, scratch });
      kern.gram(s.X, s.userCsr.rows, k, reg, s.gram);
      failed += kern.invertRows({ csr: s.itemCsr, Y: s.X, gram: s.gram, k, start: 0, end: s.itemCsr.rows, out: items, scratch });
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

  /** Frees the backend memory held by this model (it can be fitted again afterwards). */
  dispose(): void {
    this.release();
    this.kernels.close();
  }

  private release(): void {
    this.dropInverseCache();
    const s = this.state;
    if (!s) return;
    const kern = this.kernels;
    for (const b of [s.scratch, s.gram, s.Y, s.X]) kern.free(b);
    freeCsr(kern, s.itemCsr);
    freeCsr(kern, s.userCsr);
    this.state = undefined;
  }
}

/** True when two typed arrays share bytes of the same buffer. */
function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** Every core the platform reports (1 where no worker threads can be started). */
function defaultThreads(): number {
  return threadHost()?.cores() ?? 1;
}

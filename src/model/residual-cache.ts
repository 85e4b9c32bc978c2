// The certificate of a small change, without a full evaluation. A full certificate forms every
// row's residual A_u x_u − b_u (of all normal equations, both sides); this cache keeps them, with
// every b_u, in float64. A deletion request whose instant step changed a few user rows U and item
// rows J then changes the other rows' residuals only through
//   - the Gram matrix: Δ(QᵀQ) x = Σ_j ((q'_j·x) q'_j − (q_j·x) q_j), a rank-2|J| update of every row,
//   - the stored pairs (u, j) with j in J: (c − 1)((q'_j·x) q'_j − (q_j·x) q_j) − c (q'_j − q_j),
// and the rows of U and J themselves are recomputed. That is O((users·|J| + items·|U|)·k) instead
// of O(nnz·k + rows·k²): the certificate of a single request costs about its instant step. The
// sums are exact float64 algebra on the same float32 factors the full kernel reads; a full
// evaluation every REFRESH updates (and after every pass) keeps rounding from accumulating.
import { f64View, type CsrBufs, type F32Buf, type Kernels } from '../kernels/kernels.js';

/** Incremental updates between two full evaluations. */
const REFRESH = 100;

/** What the cache reads of a model. */
export interface ResidualModel {
  readonly kernels: Kernels;
  readonly k: number;
  readonly options: { regularization: number };
  readonly factorBuffers: { X: F32Buf; Y: F32Buf };
  readonly interactions: { byUser: CsrBufs; byItem: CsrBufs };
}

/** A row side's saved residuals and right-hand sides (float64, k per row). */
export interface SavedSide {
  r: F32Buf;
  b: F32Buf;
}

export class ResidualCache {
  /** The model state the saved rows belong to ('' = none yet). */
  stamp = '';
  private updates = 0;

  private constructor(
    private readonly kern: Kernels,
    readonly users: SavedSide,
    readonly items: SavedSide,
  ) {}

  /** Space for `users` + `items` rows of k float64 twice; null when it would exceed `maxBytes`. */
  static allocate(kern: Kernels, users: number, items: number, k: number, maxBytes: number): ResidualCache | null {
    if (32 * (users + items) * k > maxBytes) return null;
    const bufs: F32Buf[] = [];
    try {
      for (const n of [users, users, items, items]) bufs.push(kern.f32(2 * n * k));
    } catch (err) {
      for (const b of bufs) kern.free(b);
      throw err;
    }
    return new ResidualCache(kern, { r: bufs[0], b: bufs[1] }, { r: bufs[2], b: bufs[3] });
  }

  get bytes(): number {
    return 4 * (this.users.r.length + this.users.b.length + this.items.r.length + this.items.b.length);
  }

  /** True when a full evaluation is due (drift hygiene), whatever the stamp says. */
  get refreshDue(): boolean {
    return this.updates >= REFRESH;
  }

  /** The saved rows were just written by a full evaluation. */
  filled(stamp: string): void {
    this.stamp = stamp;
    this.updates = 0;
  }

  /** ‖A x − b‖ / ‖b‖ over both sides, from the saved rows. */
  certificate(): number {
    let rr = 0;
    let bb = 0;
    for (const side of [this.users, this.items]) {
      const R = f64View(side.r);
      const B = f64View(side.b);
      for (let t = 0; t < R.length; t++) {
        rr += R[t] * R[t];
        bb += B[t] * B[t];
      }
    }
    return bb > 0 ? Math.sqrt(rr / bb) : rr === 0 ? 0 : NaN;
  }

  /**
   * Brings the saved rows to the model's current state after the user rows `users` and the item
   * rows `items` (sorted, distinct) changed their factors from `oldX`/`oldY` (those rows, in that
   * order), and pairs among them were removed.
   */
  update(m: ResidualModel, users: Int32Array, items: Int32Array, oldX: Float32Array, oldY: Float32Array, stamp: string): void {
    const kern = this.kern;
    const k = m.k;
    const { X, Y } = m.factorBuffers;
    const gram = kern.f32(k * k);
    try {
      kern.gram(Y, m.interactions.byItem.rows, k, m.options.regularization, gram);
      const gY = Float64Array.from(gram.view);
      kern.gram(X, m.interactions.byUser.rows, k, m.options.regularization, gram);
      const gX = Float64Array.from(gram.view);
      // views after the last allocation
      side(this.users, X.view, Y.view, users, items, oldY, m.interactions.byUser, m.interactions.byItem, gY, k);
      side(this.items, Y.view, X.view, items, users, oldX, m.interactions.byItem, m.interactions.byUser, gX, k);
    } finally {
      kern.free(gram);
    }
    this.stamp = stamp;
    this.updates++;
  }

  free(): void {
    for (const b of [this.items.b, this.items.r, this.users.b, this.users.r]) this.kern.free(b);
  }
}

/**
 * One side: rows of P (factors `P`, pairs `rows`), against the other side Q whose rows `changed`
 * moved from `oldQ`; the side's own rows `own` moved too and are recomputed with gram `g`.
 */
function side(
  saved: SavedSide, P: Float32Array, Q: Float32Array, own: Int32Array, changed: Int32Array, oldQ: Float32Array,
  rows: CsrBufs, byOther: CsrBufs, g: Float64Array, k: number,
): void {
  const R = f64View(saved.r);
  const B = f64View(saved.b);
  const n = rows.rows;
  const qn = new Float64Array(k);
  const qo = new Float64Array(k);
  const [oip, oix, ocf] = [byOther.indptr.view, byOther.indices.view, byOther.conf.view];
  changed.forEach((j, t) => {
    for (let f = 0; f < k; f++) {
      qn[f] = Q[j * k + f];
      qo[f] = oldQ[t * k + f];
    }
    // the Gram matrix's change, for every row
    for (let u = 0; u < n; u++) {
      const o = u * k;
      let s1 = 0;
      let s0 = 0;
      for (let f = 0; f < k; f++) {
        s1 += qn[f] * P[o + f];
        s0 += qo[f] * P[o + f];
      }
      for (let f = 0; f < k; f++) R[o + f] += s1 * qn[f] - s0 * qo[f];
    }
    // the stored pairs (u, j)
    for (let p = oip[j]; p < oip[j + 1]; p++) {
      const o = oix[p] * k;
      const c = ocf[p];
      let s1 = 0;
      let s0 = 0;
      for (let f = 0; f < k; f++) {
        s1 += qn[f] * P[o + f];
        s0 += qo[f] * P[o + f];
      }
      for (let f = 0; f < k; f++) {
        const dq = qn[f] - qo[f];
        R[o + f] += (c - 1) * (s1 * qn[f] - s0 * qo[f]) - c * dq;
        B[o + f] += c * dq;
      }
    }
  });
  // the side's own changed rows, from scratch: G x + Σ ((c − 1)(q·x) − c) q, and b = Σ c q
  const [ip, ix, cf] = [rows.indptr.view, rows.indices.view, rows.conf.view];
  for (const u of own) {
    const o = u * k;
    for (let f = 0; f < k; f++) {
      let s = 0;
      for (let e = 0; e < k; e++) s += g[f * k + e] * P[o + e];
      R[o + f] = s;
      B[o + f] = 0;
    }
    for (let p = ip[u]; p < ip[u + 1]; p++) {
      const qo2 = ix[p] * k;
      const c = cf[p];
      let s = 0;
      for (let f = 0; f < k; f++) s += Q[qo2 + f] * P[o + f];
      const w = (c - 1) * s - c;
      for (let f = 0; f < k; f++) {
        R[o + f] += w * Q[qo2 + f];
        B[o + f] += c * Q[qo2 + f];
      }
    }
  }
}

// The training interactions a model holds in backend memory: one CSR by user and its transpose by
// item, each pair with its confidence. Forgetting works through this object: find a pair, remove
// pairs in place, block them (the paper's c = 0), see the pairs still in force, drop whole users
// or items. Both sides are always changed together, so they never disagree.
import { freeCsr, type CsrBufs, type F32Buf, type I32Buf, type Kernels } from '../kernels/kernels.js';

/** Interactions in CSR form (rows = users) in JS memory. */
export interface PairRows {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
  nnz?: number;
}

export { findInRow } from '../data/interactions.js';
import { findInRow } from '../data/interactions.js';

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
export function blockedPositions(nnz: number, conf: Float32Array): Int32Array {
  let n = 0;
  for (let p = 0; p < nnz; p++) if (!(conf[p] > 0)) n++;
  const out = new Int32Array(n);
  for (let p = 0, w = 0; w < n; p++) if (!(conf[p] > 0)) out[w++] = p;
  return out;
}

/** A CSR's arrays without the entries at `drop` (ascending positions), same rows. */
export function withoutPositions(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, rows: number, drop: Int32Array,
): { indptr: Int32Array; indices: Int32Array; conf: Float32Array } {
  const nnz = indptr[rows];
  const np = new Int32Array(rows + 1);
  const ni = new Int32Array(nnz - drop.length);
  const nc = new Float32Array(nnz - drop.length);
  compactInto(indptr, indices, conf, rows, drop, np, ni, nc);
  return { indptr: np, indices: ni, conf: nc };
}

/**
 * Writes the CSR without the entries at `drop` (ascending, distinct) into the output arrays, which
 * may be the input arrays themselves (the write position never passes the read position).
 */
function compactInto(
  indptr: Int32Array, indices: Int32Array, conf: Float32Array, rows: number, drop: Int32Array,
  outPtr: Int32Array, outIdx: Int32Array, outConf: Float32Array,
): void {
  let w = 0;
  let d = 0;
  let start = indptr[0];
  outPtr[0] = 0;
  for (let r = 0; r < rows; r++) {
    const end = indptr[r + 1];
    // copy the runs between dropped positions of this row (copyWithin when in place)
    let from = start;
    while (d < drop.length && drop[d] < end) {
      const p = drop[d++];
      const n = p - from;
      if (n > 0) move(indices, conf, from, n, outIdx, outConf, w);
      w += n;
      from = p + 1;
    }
    const n = end - from;
    if (n > 0) move(indices, conf, from, n, outIdx, outConf, w);
    w += n;
    start = end;
    outPtr[r + 1] = w;
  }
}

function move(
  indices: Int32Array, conf: Float32Array, from: number, n: number, outIdx: Int32Array, outConf: Float32Array, to: number,
): void {
  if (outIdx === indices) {
    if (from !== to) {
      indices.copyWithin(to, from, from + n);
      conf.copyWithin(to, from, from + n);
    }
  } else {
    outIdx.set(indices.subarray(from, from + n), to);
    outConf.set(conf.subarray(from, from + n), to);
  }
}

export class TrainingPairs {
  /** Counts the changes (remove, block, dropRows): caches of derived values compare it. */
  version = 0;
  /** Pairs with confidence 0 (the paper's block mode): none, unless `block` made some. */
  private blockedCount: number;

  private constructor(
    private readonly kern: Kernels,
    /** Rows = users, columns = items. */
    public byUser: CsrBufs,
    /** The transpose: rows = items. */
    public byItem: CsrBufs,
  ) {
    this.blockedCount = blockedPositions(this.nnz, this.confidence()).length;
  }

  /**
   * Copies a CSR by user into backend memory and builds its transpose there. `conf`: the
   * confidence of each pair, or one confidence for all of them.
   */
  static upload(
    kern: Kernels, rows: number, cols: number, indptr: Int32Array, indices: Int32Array, conf: Float32Array | number,
  ): TrainingPairs {
    const byUser = uploadCsr(kern, rows, cols, indptr, indices, conf);
    try {
      return new TrainingPairs(kern, byUser, transposeInBackend(kern, byUser));
    } catch (err) {
      freeCsr(kern, byUser);
      throw err;
    }
  }

  get users(): number {
    return this.byUser.rows;
  }
  get items(): number {
    return this.byUser.cols;
  }
  get nnz(): number {
    return this.byUser.indptr.view[this.byUser.rows];
  }

  /** The pairs by user (views into backend memory; re-read after any allocation). */
  rows(): PairRows {
    const c = this.byUser;
    const nnz = this.nnz;
    return { rows: c.rows, cols: c.cols, indptr: c.indptr.view, indices: c.indices.view.subarray(0, nnz), nnz };
  }

  /** Confidence of each stored pair, aligned with `rows().indices`. */
  confidence(): Float32Array {
    return this.byUser.conf.view.subarray(0, this.nnz);
  }

  /** Position of (u, i) in the CSR by user, or −1. */
  find(u: number, i: number): number {
    return findInRow(this.byUser.indptr.view, this.byUser.indices.view, u, i);
  }

  /** Stored pairs of user u. */
  userCount(u: number): number {
    const p = this.byUser.indptr.view;
    return p[u + 1] - p[u];
  }

  /** Positions in the CSR by item of the pairs at `positions` (by user), ascending. */
  private itemPositions(positions: Int32Array): Int32Array {
    const { users, items } = pairsAt(this.rows(), positions);
    const ip = this.byItem.indptr.view;
    const ix = this.byItem.indices.view;
    return Int32Array.from(users, (u, t) => findInRow(ip, ix, items[t], u)).sort();
  }

  /**
   * Removes the pairs at `positions` (ascending, distinct, in the CSR by user) from both sides, in
   * place: the buffers keep their size, the removed entries are gone (nothing of them stays
   * between indptr[0] and indptr[rows]; the tail past nnz is zeroed).
   */
  remove(positions: Int32Array): void {
    if (positions.length === 0) return;
    this.version++;
    const conf = this.confidence();
    for (const p of positions) if (!(conf[p] > 0)) this.blockedCount--;
    const onItems = this.itemPositions(positions);
    for (const [c, drop] of [[this.byUser, positions], [this.byItem, onItems]] as const) {
      const before = c.indptr.view[c.rows];
      const [ip, ix, cf] = [c.indptr.view, c.indices.view, c.conf.view];
      compactInto(ip, ix, cf, c.rows, drop, ip, ix, cf);
      ix.fill(0, ip[c.rows], before);
      cf.fill(0, ip[c.rows], before);
    }
  }

  /** The paper's block step: confidence 0 for the pairs at `positions` (by user), on both sides. */
  block(positions: Int32Array): void {
    this.version++;
    const onItems = this.itemPositions(positions);
    const uc = this.byUser.conf.view;
    const ic = this.byItem.conf.view;
    for (const p of positions) {
      if (uc[p] > 0) this.blockedCount++;
      uc[p] = 0;
    }
    for (const q of onItems) ic[q] = 0;
  }

  /** Positions (by user) of the blocked pairs, ascending. */
  blocked(): Int32Array {
    return this.blockedCount === 0 ? new Int32Array(0) : blockedPositions(this.nnz, this.confidence());
  }

  /** The pairs in force (c > 0) as JS arrays: the model's own views when none is blocked. */
  remainingArrays(): { blocked: Int32Array; indptr: Int32Array; indices: Int32Array; conf: Float32Array } {
    const tr = this.rows();
    const conf = this.confidence();
    const blocked = this.blocked();
    if (blocked.length === 0) return { blocked, indptr: tr.indptr, indices: tr.indices, conf };
    return { blocked, ...withoutPositions(tr.indptr, tr.indices, conf, tr.rows, blocked) };
  }

  /**
   * The CSRs of the pairs in force: these very buffers when none is blocked (exact forgetting
   * blocks nothing), else a copy without the blocked pairs. `release` frees a copy.
   */
  remaining(): { byUser: CsrBufs; byItem: CsrBufs; release(): void } {
    const r = this.remainingArrays();
    if (r.blocked.length === 0) return { byUser: this.byUser, byItem: this.byItem, release() {} };
    const copy = TrainingPairs.upload(this.kern, this.users, this.items, r.indptr, r.indices, r.conf);
    return { byUser: copy.byUser, byItem: copy.byItem, release: () => copy.free() };
  }

  /**
   * Drops whole users and items (sorted index lists; their pairs must be gone already) and
   * renumbers the rest densely in order. Returns the old index of every kept user and item.
   */
  dropRows(users: Int32Array, items: Int32Array): { keptUsers: Int32Array; keptItems: Int32Array } {
    this.version++;
    const keptUsers = keep(this.users, users);
    const keptItems = keep(this.items, items);
    const newItem = new Int32Array(this.items).fill(-1);
    keptItems.forEach((old, i) => (newItem[old] = i));
    const tr = this.rows();
    const conf = this.confidence();
    const indptr = new Int32Array(keptUsers.length + 1);
    const indices = new Int32Array(tr.indptr[tr.rows]);
    const cf = new Float32Array(indices.length);
    let w = 0;
    keptUsers.forEach((u, r) => {
      for (let p = tr.indptr[u]; p < tr.indptr[u + 1]; p++) {
        const i = newItem[tr.indices[p]];
        if (i < 0) throw new Error(`internal: pair (${u}, ${tr.indices[p]}) of a dropped item is still stored`);
        indices[w] = i;
        cf[w++] = conf[p];
      }
      indptr[r + 1] = w;
    });
    if (w !== indices.length) throw new Error('internal: pairs of a dropped user are still stored');
    const fresh = TrainingPairs.upload(this.kern, keptUsers.length, keptItems.length, indptr, indices, cf);
    this.free();
    this.byUser = fresh.byUser;
    this.byItem = fresh.byItem;
    this.blockedCount = fresh.blockedCount;
    return { keptUsers, keptItems };
  }

  free(): void {
    freeCsr(this.kern, this.byItem);
    freeCsr(this.kern, this.byUser);
  }
}

/** 0..n−1 without the sorted list `drop`. */
function keep(n: number, drop: Int32Array): Int32Array {
  const out = new Int32Array(n - drop.length);
  for (let i = 0, d = 0, w = 0; i < n; i++) {
    if (d < drop.length && drop[d] === i) d++;
    else out[w++] = i;
  }
  return out;
}

function uploadCsr(
  kern: Kernels, rows: number, cols: number, indptr: Int32Array, indices: Int32Array, conf: Float32Array | number,
): CsrBufs {
  const n = indptr[rows];
  const bufs: Array<I32Buf | F32Buf> = [];
  try {
    const p = kern.i32(rows + 1);
    bufs.push(p);
    const ix = kern.i32(n);
    bufs.push(ix);
    const c = kern.f32(n);
    bufs.push(c);
    // views after the last allocation (growing the memory may replace its buffer)
    p.view.set(indptr.subarray(0, rows + 1));
    ix.view.set(indices.subarray(0, n));
    if (typeof conf === 'number') c.view.fill(conf);
    else c.view.set(conf.subarray(0, n));
    return { rows, cols, indptr: p, indices: ix, conf: c };
  } catch (err) {
    for (const b of bufs.reverse()) kern.free(b);
    throw err;
  }
}

/**
 * The transpose of a CSR in backend memory, built there: rows and cols swap, each new row's
 * indices ascending, confidences travel with their pairs.
 */
function transposeInBackend(kern: Kernels, csr: CsrBufs): CsrBufs {
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
  const indptr = csr.indptr.view;
  const indices = csr.indices.view;
  const conf = csr.conf.view;
  const ptr = tp.view;
  const ind = ti.view;
  const cf = tc.view;
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
  return { rows: cols, cols: rows, indptr: tp, indices: ti, conf: tc };
}

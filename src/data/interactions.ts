// Raw records → the model's interaction matrix (CSR by user), its transpose, and a holdout split.
// Platform-neutral: no Node imports.

import { DataError } from './errors.js';
import type { RawInteractions } from './parse.js';
import { Rng, sampleWithoutReplacement } from './random.js';

/** A sparse matrix in compressed sparse row form. */
export interface Csr {
  rows: number;
  cols: number;
  /** rows + 1 offsets into indices/values; indptr[0] = 0, indptr[rows] = nnz. */
  indptr: Int32Array;
  /** Column of each stored entry, strictly ascending within each row. */
  indices: Int32Array;
  values: Float32Array;
  /** Optional per-entry timestamps (NaN = unknown), parallel to indices. */
  timestamps?: Float64Array;
}

/** The interaction matrix with its id maps: rows are users, columns items. */
export interface Interactions {
  users: IdMap;
  items: IdMap;
  csr: Csr;
  /** Same array as csr.timestamps; present when at least one record had a timestamp. */
  timestamps?: Float64Array;
}

/** Bidirectional map between external string ids and dense indices 0..size-1. */
export class IdMap {
  /** External id of each index. Do not modify. */
  readonly ids: string[] = [];
  private readonly map = new Map<string, number>();

  /** Builds a map whose index i is ids[i]. Throws a DataError on a repeated id. */
  constructor(ids?: Iterable<string>) {
    if (ids) {
      for (const id of ids) {
        if (this.map.has(id)) throw new DataError(`duplicate id ${JSON.stringify(id)} in an id list`, { expected: 'distinct ids' });
        this.map.set(id, this.ids.length);
        this.ids.push(id);
      }
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** The index of `id`, assigning the next free index when it is new. */
  index(id: string): number {
    let i = this.map.get(id);
    if (i === undefined) {
      i = this.ids.length;
      this.map.set(id, i);
      this.ids.push(id);
    }
    return i;
  }

  /** The index of `id`, or undefined when it was never seen. */
  get(id: string): number | undefined {
    return this.map.get(id);
  }

  has(id: string): boolean {
    return this.map.has(id);
  }

  /** The external id of `index`. Throws a RangeError outside 0..size-1. */
  id(index: number): string {
    const s = this.ids[index];
    if (s === undefined || !Number.isInteger(index)) throw new RangeError(`index ${index} outside 0..${this.ids.length - 1}`);
    return s;
  }
}

export type DuplicateRule = 'last' | 'max' | 'sum' | 'error';
export const DUPLICATE_RULES: readonly DuplicateRule[] = ['last', 'max', 'sum', 'error'];

export interface BuildOptions {
  /** Keep pairs whose (merged) value is ≥ threshold. Default: keep all. */
  threshold?: number;
  /**
   * What to do with repeated (user, item) records. All rules keep one pair:
   * - 'max' (default): value = the largest value, timestamp = the latest timestamp;
   * - 'last': value and timestamp of the last record in input order;
   * - 'sum': value = the sum of the values, timestamp = the latest timestamp;
   * - 'error': throw a DataError naming both lines.
   */
  duplicates?: DuplicateRule;
}

/** The input of buildInteractions: RawInteractions or any parallel arrays of the same meaning. */
export interface InteractionArrays {
  users: ArrayLike<string>;
  items: ArrayLike<string>;
  /** Default: all 1. */
  values?: ArrayLike<number>;
  /** Default: none (NaN). */
  timestamps?: ArrayLike<number>;
  lines?: ArrayLike<number>;
  source?: string;
}

/**
 * Builds the user × item matrix.
 *
 * Order of operations: ids are mapped, duplicate (user, item) records are merged by the
 * `duplicates` rule, then pairs whose merged value is below `threshold` are dropped, then users
 * and items left without any pair are dropped. Indices follow the order of first appearance in
 * the input among the ids that remain. Within each row, column indices are strictly ascending.
 * Throws a DataError when the input is empty, the options are invalid, or nothing remains.
 *
 * `raw` may also be an already built Interactions (e.g. from `synthetic`): its pairs go through
 * the same duplicate and threshold steps, but its id maps and shape are kept as they are (rows or
 * columns without pairs stay, empty). When nothing changes, it is returned with the same arrays.
 */
export function buildInteractions(raw: InteractionArrays | RawInteractions | Interactions, opts: BuildOptions = {}): Interactions {
  const source = 'source' in raw && typeof raw.source === 'string' ? raw.source : undefined;
  const threshold = opts.threshold ?? -Infinity;
  const rule = opts.duplicates ?? 'max';
  if (typeof threshold !== 'number' || Number.isNaN(threshold)) {
    throw new DataError(`threshold ${String(threshold)} is not a number`, { file: source, expected: 'a number' });
  }
  if (!DUPLICATE_RULES.includes(rule)) {
    throw new DataError(`unknown duplicates rule ${JSON.stringify(rule)}`, { file: source, expected: `one of ${DUPLICATE_RULES.join(', ')}` });
  }
  if ('csr' in raw) {
    if (isClean(raw.csr, threshold)) {
      const out: Interactions = { users: raw.users, items: raw.items, csr: raw.csr };
      if (raw.csr.timestamps) out.timestamps = raw.csr.timestamps;
      return out;
    }
    return fromCodes(raw.users, raw.items, csrCodes(raw.csr), source, threshold, rule, false);
  }

  const n = raw.users.length;
  const vals = raw.values;
  const ts = raw.timestamps;
  if (raw.items.length !== n || (vals && vals.length !== n) || (ts && ts.length !== n)) {
    throw new DataError('users, items, values and timestamps have different lengths', { file: source, expected: 'parallel arrays' });
  }
  // Map ids in order of first appearance.
  const users0 = new IdMap();
  const items0 = new IdMap();
  const r = new Int32Array(n);
  const c = new Int32Array(n);
  for (let k = 0; k < n; k++) {
    r[k] = users0.index(raw.users[k]!);
    c[k] = items0.index(raw.items[k]!);
  }
  let anyTime = false;
  if (ts) {
    for (let k = 0; k < n; k++) {
      if (ts[k] === ts[k]) { anyTime = true; break; }
    }
  }
  return fromCodes(users0, items0, { r, c, vals, ts: anyTime ? ts : undefined, lines: raw.lines }, source, threshold, rule, true);
}

interface Codes {
  r: Int32Array;
  c: Int32Array;
  vals?: ArrayLike<number>;
  ts?: ArrayLike<number>;
  lines?: ArrayLike<number>;
}

/** Not empty, no duplicates, rows sorted, no value below threshold: nothing to do. */
function isClean(csr: Csr, threshold: number): boolean {
  const { rows, indptr, indices, values } = csr;
  if (indptr[rows]! === 0) return false;
  for (let i = 0; i < rows; i++) {
    let prev = -1;
    for (let p = indptr[i]!; p < indptr[i + 1]!; p++) {
      const j = indices[p]!;
      if (j <= prev || !(values[p]! >= threshold)) return false;
      prev = j;
    }
  }
  return true;
}

function csrCodes(csr: Csr): Codes {
  const total = csr.indptr[csr.rows]!;
  const r = new Int32Array(total);
  for (let i = 0; i < csr.rows; i++) r.fill(i, csr.indptr[i]!, csr.indptr[i + 1]!);
  return { r, c: csr.indices.subarray(0, total), vals: csr.values, ts: csr.timestamps };
}

function fromCodes(
  users0: IdMap, items0: IdMap, codes: Codes, source: string | undefined, threshold: number, rule: DuplicateRule,
  compactIds: boolean,
): Interactions {
  const { r, c, vals, ts } = codes;
  const n = r.length;
  if (n === 0) throw new DataError('no interactions', { file: source, expected: 'at least one (user, item) record' });
  const anyTime = ts !== undefined;
  const nu0 = users0.size, ni0 = items0.size;

  // 2. Stable radix sort of record numbers by (row, col): by column, then stably by row.
  const byCol = countingOrder(c, ni0, null);
  const order = countingOrder(r, nu0, byCol);

  // 3. Merge runs of equal (row, col); records of a run are in input order (stable sort).
  const mr = new Int32Array(n), mc = new Int32Array(n);
  const mv = new Float64Array(n), mt = anyTime ? new Float64Array(n) : null;
  let m = 0;
  for (let p = 0; p < n;) {
    const k0 = order[p]!;
    const row = r[k0]!, col = c[k0]!;
    let v = vals ? +vals[k0]! : 1;
    let t = mt ? +ts![k0]! : NaN;
    let q = p + 1;
    for (; q < n; q++) {
      const k = order[q]!;
      if (r[k] !== row || c[k] !== col) break;
      const vk = vals ? +vals[k]! : 1;
      const tk = mt ? +ts![k]! : NaN;
      if (rule === 'error') {
        const lines = codes.lines;
        const where = lines ? ` (also at line ${lines[k0]})` : ` (records ${k0} and ${k})`;
        throw new DataError(`duplicate pair user ${JSON.stringify(users0.ids[row])}, item ${JSON.stringify(items0.ids[col])}${where}`, {
          file: source, line: lines ? lines[k] : undefined, expected: 'each (user, item) pair at most once (or choose duplicates: last, max or sum)',
        });
      } else if (rule === 'last') {
        v = vk;
        t = tk;
      } else {
        v = rule === 'sum' ? v + vk : (vk > v ? vk : v);
        if (tk > t || t !== t) t = tk;
      }
    }
    mr[m] = row;
    mc[m] = col;
    mv[m] = v;
    if (mt) mt[m] = t;
    m++;
    p = q;
  }

  // 4. Threshold, and which users/items keep at least one pair.
  const keepRow = new Uint8Array(nu0), keepCol = new Uint8Array(ni0);
  let kept = 0;
  let maxV = -Infinity;
  for (let j = 0; j < m; j++) {
    const v = mv[j]!;
    if (v > maxV) maxV = v;
    if (v >= threshold) {
      keepRow[mr[j]!] = 1;
      keepCol[mc[j]!] = 1;
      kept++;
    }
  }
  if (kept === 0) {
    throw new DataError(`no interactions left: all ${m} pairs have a value below the threshold ${threshold} (largest value ${maxV})`, {
      file: source, expected: `a threshold ≤ ${maxV}`,
    });
  }

  // 5. Compact ids (monotone renumbering keeps rows and columns sorted).
  const [users, rowMap] = compact(users0, compactIds ? keepRow : null);
  const [items, colMap] = compact(items0, compactIds ? keepCol : null);

  // 6. CSR.
  const rows = users.size, cols = items.size;
  const indptr = new Int32Array(rows + 1);
  const indices = new Int32Array(kept);
  const values = new Float32Array(kept);
  const times = mt ? new Float64Array(kept) : undefined;
  let w = 0;
  for (let j = 0; j < m; j++) {
    if (!(mv[j]! >= threshold)) continue;
    const row = rowMap[mr[j]!]!;
    indptr[row + 1]!++;
    indices[w] = colMap[mc[j]!]!;
    values[w] = mv[j]!;
    if (times) times[w] = mt![j]!;
    w++;
  }
  for (let i = 0; i < rows; i++) indptr[i + 1]! += indptr[i]!;
  const csr: Csr = { rows, cols, indptr, indices, values };
  const out: Interactions = { users, items, csr };
  if (times) {
    csr.timestamps = times;
    out.timestamps = times;
  }
  return out;
}

/** Record numbers ordered by key (0..buckets-1), stably, visiting records in `within` order. */
function countingOrder(key: Int32Array, buckets: number, within: Int32Array | null): Int32Array {
  const n = key.length;
  const start = new Int32Array(buckets + 1);
  for (let k = 0; k < n; k++) start[key[k]! + 1]!++;
  for (let b = 0; b < buckets; b++) start[b + 1]! += start[b]!;
  const out = new Int32Array(n);
  if (within) {
    for (let p = 0; p < n; p++) {
      const k = within[p]!;
      out[start[key[k]!]!++] = k;
    }
  } else {
    for (let k = 0; k < n; k++) out[start[key[k]!]!++] = k;
  }
  return out;
}

function compact(map: IdMap, keep: Uint8Array | null): [IdMap, Int32Array] {
  const remap = new Int32Array(map.size).fill(-1);
  let all = true;
  if (keep) for (let i = 0; i < keep.length; i++) if (!keep[i]) { all = false; break; }
  if (all) {
    for (let i = 0; i < remap.length; i++) remap[i] = i;
    return [map, remap];
  }
  const out = new IdMap();
  for (let i = 0; i < keep!.length; i++) if (keep![i]) remap[i] = out.index(map.ids[i]!);
  return [out, remap];
}

/**
 * The transpose of `csr` (CSC of the same matrix read as CSR): rows and cols swap, each new row's
 * indices ascending. Values and timestamps travel with their entries. The input's indices need
 * not be sorted within rows; the output's always are. O(nnz + rows + cols).
 */
export function transpose(csr: Csr): Csr {
  const { rows, cols, indptr, indices, values, timestamps } = csr;
  const nnz = indptr[rows]!;
  const tptr = new Int32Array(cols + 1);
  for (let p = 0; p < nnz; p++) tptr[indices[p]! + 1]!++;
  for (let j = 0; j < cols; j++) tptr[j + 1]! += tptr[j]!;
  const next = tptr.slice(0, cols);
  const tind = new Int32Array(nnz);
  const tval = new Float32Array(nnz);
  const tts = timestamps ? new Float64Array(nnz) : undefined;
  for (let i = 0; i < rows; i++) {
    const end = indptr[i + 1]!;
    for (let p = indptr[i]!; p < end; p++) {
      const q = next[indices[p]!]!++;
      tind[q] = i;
      tval[q] = values[p]!;
      if (tts) tts[q] = timestamps![p]!;
    }
  }
  const out: Csr = { rows: cols, cols: rows, indptr: tptr, indices: tind, values: tval };
  if (tts) out.timestamps = tts;
  return out;
}

/** The number of stored entries. */
export function nnz(csr: Csr): number {
  return csr.indptr[csr.rows]!;
}

/**
 * Splits the stored pairs of `csr` at random: exactly round(fraction · nnz) of them, drawn
 * uniformly without replacement with Rng(seed), go to `test`, the others to `train`. Both keep the
 * shape of `csr`, its (sorted) column order, values and timestamps. Same seed, same split.
 */
export function holdoutSplit(csr: Csr, fraction: number, seed: number): { train: Csr; test: Csr } {
  if (typeof fraction !== 'number' || !(fraction >= 0 && fraction <= 1)) {
    throw new DataError(`holdout fraction ${String(fraction)} is outside [0, 1]`, { expected: 'a fraction between 0 and 1' });
  }
  if (typeof seed !== 'number' || !Number.isFinite(seed)) {
    throw new DataError(`seed ${String(seed)} is not a finite number`, { expected: 'an integer seed' });
  }
  const total = nnz(csr);
  const m = Math.round(fraction * total);
  return splitEntries(csr, sampleWithoutReplacement(total, m, new Rng(seed)));
}

/** The entries at `picked` (ascending positions) as `test`, the others as `train`, in one pass. */
function splitEntries(csr: Csr, picked: Int32Array): { train: Csr; test: Csr } {
  const { rows, cols, indptr, indices, values, timestamps } = csr;
  const total = indptr[rows]!;
  const m = picked.length;
  const make = (count: number): Csr => {
    const out: Csr = { rows, cols, indptr: new Int32Array(rows + 1), indices: new Int32Array(count), values: new Float32Array(count) };
    if (timestamps) out.timestamps = new Float64Array(count);
    return out;
  };
  const train = make(total - m);
  const test = make(m);
  const trInd = train.indices, trVal = train.values, trTs = train.timestamps;
  const teInd = test.indices, teVal = test.values, teTs = test.timestamps;
  let a = 0, b = 0;
  let next = m > 0 ? picked[0]! : total;
  for (let i = 0; i < rows; i++) {
    const end = indptr[i + 1]!;
    for (let p = indptr[i]!; p < end; p++) {
      if (p === next) {
        teInd[b] = indices[p]!;
        teVal[b] = values[p]!;
        if (teTs) teTs[b] = timestamps![p]!;
        b++;
        next = b < m ? picked[b]! : total;
      } else {
        trInd[a] = indices[p]!;
        trVal[a] = values[p]!;
        if (trTs) trTs[a] = timestamps![p]!;
        a++;
      }
    }
    train.indptr[i + 1] = a;
    test.indptr[i + 1] = b;
  }
  return { train, test };
}

/**
 * The records of `inter` as parallel arrays (one per stored pair, row-major), e.g. to write them
 * out or to feed them back to buildInteractions. Timestamps are NaN when the matrix has none.
 */
export function toRawArrays(inter: Interactions): {
  users: string[]; items: string[]; values: Float64Array; timestamps: Float64Array;
} {
  const { csr, users, items } = inter;
  const total = nnz(csr);
  const u: string[] = new Array(total);
  const it: string[] = new Array(total);
  const values = new Float64Array(total);
  const timestamps = new Float64Array(total).fill(NaN);
  for (let i = 0; i < csr.rows; i++) {
    const uid = users.ids[i]!;
    for (let p = csr.indptr[i]!; p < csr.indptr[i + 1]!; p++) {
      u[p] = uid;
      it[p] = items.ids[csr.indices[p]!]!;
      values[p] = csr.values[p]!;
      if (csr.timestamps) timestamps[p] = csr.timestamps[p]!;
    }
  }
  return { users: u, items: it, values, timestamps };
}

/** Position of column `i` in row `r` of a CSR with sorted rows, or −1. */
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
 * The CSR pattern of pairs given as keys row·cols + col, ascending (a sorted set of pairs):
 * indptr (rows + 1) and the column of each key, in key order.
 */
export function csrFromKeys(keys: ArrayLike<number>, rows: number, cols: number): { indptr: Int32Array; indices: Int32Array } {
  const indptr = new Int32Array(rows + 1);
  const indices = Int32Array.from(keys, (key) => {
    const r = Math.floor(key / cols);
    indptr[r + 1]++;
    return key - r * cols;
  });
  for (let r = 0; r < rows; r++) indptr[r + 1] += indptr[r];
  return { indptr, indices };
}

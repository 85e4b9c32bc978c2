// Held-out pairs given by external id (a benchmark's own test split) as rows aligned with a
// training matrix: pairs of unknown users or items, pairs that are training pairs, and repeats are
// left out, and counted.
import type { IdMap } from './interactions.js';

export interface HeldOutRows {
  rows: { rows: number; cols: number; indptr: Int32Array; indices: Int32Array; values: Float32Array };
  kept: number;
  unknown: number;
  inTraining: number;
  repeated: number;
}

export function heldOutRows(
  users: IdMap, items: IdMap, train: { indptr: Int32Array; indices: Int32Array },
  pairs: ReadonlyArray<readonly [string | number, string | number]>,
): HeldOutRows {
  const m = items.size;
  const keys = new Set<number>();
  let unknown = 0;
  let inTraining = 0;
  let repeated = 0;
  for (const [uid, iid] of pairs) {
    const u = users.get(String(uid));
    const i = items.get(String(iid));
    if (u === undefined || i === undefined) unknown++;
    else if (inRow(train, u, i)) inTraining++;
    else if (keys.has(u * m + i)) repeated++;
    else keys.add(u * m + i);
  }
  const sorted = Array.from(keys).sort((a, b) => a - b);
  const indptr = new Int32Array(users.size + 1);
  const indices = Int32Array.from(sorted, (key) => {
    const u = Math.floor(key / m);
    indptr[u + 1]++;
    return key - u * m;
  });
  for (let u = 0; u < users.size; u++) indptr[u + 1] += indptr[u];
  return {
    rows: { rows: users.size, cols: m, indptr, indices, values: new Float32Array(sorted.length).fill(1) },
    kept: sorted.length, unknown, inTraining, repeated,
  };
}

/** Item i among the (sorted) items of row u. */
function inRow(train: { indptr: Int32Array; indices: Int32Array }, u: number, i: number): boolean {
  let lo = train.indptr[u];
  let hi = train.indptr[u + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = train.indices[mid];
    if (v === i) return true;
    if (v < i) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

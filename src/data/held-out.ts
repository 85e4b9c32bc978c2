// Held-out pairs given by external id (a benchmark's own test split) as rows aligned with a
// training matrix: pairs of unknown users or items, pairs that are training pairs, and repeats are
// left out, and counted.
import { csrFromKeys, findInRow, type IdMap } from './interactions.js';

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
    else if (findInRow(train.indptr, train.indices, u, i) >= 0) inTraining++;
    else if (keys.has(u * m + i)) repeated++;
    else keys.add(u * m + i);
  }
  const sorted = Array.from(keys).sort((a, b) => a - b);
  const { indptr, indices } = csrFromKeys(sorted, users.size, m);
  return {
    rows: { rows: users.size, cols: m, indptr, indices, values: new Float32Array(sorted.length).fill(1) },
    kept: sorted.length, unknown, inTraining, repeated,
  };
}

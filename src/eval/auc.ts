// AUC over held-out pairs, exact over all items (not sampled).
//
// For every held-out pair (u, i): the fraction of items j that u has not interacted with (neither in
// train nor in test) whose score is below s_ui, ties counting ½. `auc` is the mean over held-out
// pairs; `userAuc` first averages each user's pairs, then averages over users.
import { countBelowIn } from '../kernels/js.js';
import { forEachScoredUser, type SparseRows, type UserScorer } from './scorer.js';

export interface AucResult {
  auc: number;
  userAuc: number;
  pairs: number;
  users: number;
}

export function heldOutAuc(scorer: UserScorer, train: SparseRows, test: SparseRows): AucResult {
  const n = scorer.nItems;
  const mark = new Int32Array(n).fill(-1); // mark[j] === u when u interacted with j
  const positive = new Int32Array(n); // the user's items (train and test), positive[0..count)
  let sum = 0;
  let pairs = 0;
  let userSum = 0;
  let users = 0;
  // below + ½·ties over all n items (the scorer's kernel when it has one); the user's own items are
  // taken out after, so the loop over all items runs without a test per item
  const countAll = (s: Float32Array, o: number, si: number): number =>
    scorer.countBelow ? scorer.countBelow(o, si) : countBelowIn(s, o, n, si);
  forEachScoredUser(scorer, test, (u, s, o) => {
    let positives = 0;
    for (const rows of [train, test]) {
      for (let p = rows.indptr[u]; p < rows.indptr[u + 1]; p++) {
        const j = rows.indices[p];
        if (mark[j] !== u) {
          mark[j] = u;
          positive[positives++] = j;
        }
      }
    }
    const negatives = n - positives;
    if (negatives === 0) return;
    let uSum = 0;
    let uPairs = 0;
    for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) {
      const si = s[o + test.indices[p]];
      let count = countAll(s, o, si);
      for (let q = 0; q < positives; q++) {
        const sj = s[o + positive[q]];
        if (sj < si) count--;
        else if (sj === si) count -= 0.5;
      }
      const a = count / negatives;
      uSum += a;
      uPairs++;
    }
    sum += uSum;
    pairs += uPairs;
    userSum += uSum / uPairs;
    users++;
  });
  return {
    auc: pairs ? sum / pairs : NaN,
    userAuc: users ? userSum / users : NaN,
    pairs,
    users,
  };
}

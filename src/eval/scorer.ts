// What evaluation needs from a model: scores of every item for a batch of users.

/** Sparse rows of (user → item indices), e.g. the train or test part of a CSR matrix. */
export interface SparseRows {
  rows: number;
  cols: number;
  indptr: Int32Array;
  indices: Int32Array;
}

export interface UserScorer {
  readonly nItems: number;
  /** Largest batch `score` accepts. */
  readonly batch: number;
  /** Scores of all items for users[0..count): a view laid out [b·nItems + j], valid until the next call. */
  score(users: Int32Array, count: number): Float32Array;
  /**
   * Optional, a faster equal of the loop: #{j: s[offset + j] < v} + ½ #{j: s[offset + j] = v} over
   * the nItems scores at `offset` of the last `score` call.
   */
  countBelow?(offset: number, v: number): number;
}

/** Calls `visit(user, scores, offset)` for every user that has at least one entry in `rows`. */
export function forEachScoredUser(
  scorer: UserScorer, rows: SparseRows,
  visit: (user: number, scores: Float32Array, offset: number) => void,
): void {
  const batch = new Int32Array(scorer.batch);
  let count = 0;
  const flush = (): void => {
    if (count === 0) return;
    const s = scorer.score(batch, count);
    for (let b = 0; b < count; b++) visit(batch[b], s, b * scorer.nItems);
    count = 0;
  };
  for (let u = 0; u < rows.rows; u++) {
    if (rows.indptr[u] === rows.indptr[u + 1]) continue;
    batch[count++] = u;
    if (count === batch.length) flush();
  }
  flush();
}

// precision@K, MAP@K and nDCG@K, defined as the `implicit` library's `ranking_metrics_at_k` does:
// for each user with held-out items L (skipping users without any), recommend the top K items the
// user has not interacted with in train. Then
// - precision@K = (Σ_u hits_u) / (Σ_u min(K, |L_u|))  (pooled over users, not a mean of ratios)
// - MAP@K       = mean_u [ Σ_{r: rec_r ∈ L_u} (hits up to r)/(r+1) ] / min(K, |L_u|)
// - nDCG@K      = mean_u [ Σ_{r: rec_r ∈ L_u} 1/log2(r+2) ] / Σ_{r < min(K,|L_u|)} 1/log2(r+2)
// with ranks r counted from 0 and binary relevance; the ideal DCG is over min(K, |L_u|) items (a
// user with more held-out items than K can still reach 1). Beyond implicit's three:
// - HR@K (hit rate) = the fraction of users with at least one held-out item in their top K
// - recall@K        = mean_u hits_u / |L_u|
import { forEachScoredUser, type SparseRows, type UserScorer } from './scorer.js';
import { topN } from './topn.js';

export interface RankingMetrics {
  k: number;
  precision: number;
  map: number;
  ndcg: number;
  hr: number;
  recall: number;
  users: number;
}

export function rankingMetricsAtK(
  scorer: UserScorer, train: SparseRows, test: SparseRows, K = 10,
): RankingMetrics {
  const n = scorer.nItems;
  const seen = new Int32Array(n).fill(-1);
  const liked = new Int32Array(n).fill(-1);
  const gain = new Float64Array(K);
  for (let r = 0; r < K; r++) gain[r] = 1 / Math.log2(r + 2);
  let relevant = 0;
  let prDiv = 0;
  let mapSum = 0;
  let ndcgSum = 0;
  let hitUsers = 0;
  let recallSum = 0;
  let users = 0;
  forEachScoredUser(scorer, test, (u, s, o) => {
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) seen[train.indices[p]] = u;
    let likes = 0;
    for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) {
      const j = test.indices[p];
      if (liked[j] !== u) {
        liked[j] = u;
        likes++;
      }
    }
    const recs = topN(s, o, n, K, (j) => seen[j] === u).items;
    const m = Math.min(K, likes);
    let idcg = 0;
    for (let r = 0; r < m; r++) idcg += gain[r];
    let hit = 0;
    let ap = 0;
    let dcg = 0;
    for (let r = 0; r < recs.length; r++) {
      if (liked[recs[r]] === u) {
        hit++;
        ap += hit / (r + 1);
        dcg += gain[r];
      }
    }
    relevant += hit;
    prDiv += m;
    mapSum += ap / m;
    ndcgSum += dcg / idcg;
    if (hit > 0) hitUsers++;
    recallSum += hit / likes;
    users++;
  });
  return {
    k: K,
    precision: prDiv ? relevant / prDiv : NaN,
    map: users ? mapSum / users : NaN,
    ndcg: users ? ndcgSum / users : NaN,
    hr: users ? hitUsers / users : NaN,
    recall: users ? recallSum / users : NaN,
    users,
  };
}

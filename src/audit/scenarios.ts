// Removal sets: the paper's uniform sampling and the deletion scenarios beyond it. Each returns
// positions into the training CSR (by user), distinct and ascending.
import { Rng, sampleWithoutReplacement } from '../data/random.js';
import type { Csr } from '../data/interactions.js';

export type Scenario = 'uniform' | 'user' | 'item' | 'popular' | 'recent';
export const SCENARIOS: readonly Scenario[] = ['uniform', 'user', 'item', 'popular', 'recent'];

/** How many of the most recent interactions of a chosen user the 'recent' scenario removes (at most). */
export const RECENT_PER_USER = 10;

export function removalPositions(train: Csr, scenario: Scenario, fraction: number, seed: number): Int32Array {
  const nnz = train.indptr[train.rows];
  const target = Math.max(1, Math.round(fraction * nnz));
  const rng = new Rng(seed);
  switch (scenario) {
    case 'uniform':
      return sampleWithoutReplacement(nnz, target, rng);
    case 'user': {
      // whole histories ("reset") of random users until the target is reached
      const order = rng.shuffle(Int32Array.from({ length: train.rows }, (_, u) => u));
      const out: number[] = [];
      for (const u of order) {
        if (out.length >= target) break;
        for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) out.push(p);
      }
      return Int32Array.from(out).sort();
    }
    case 'item': {
      // every interaction with random items until the target is reached
      const byItem: number[][] = Array.from({ length: train.cols }, () => []);
      for (let u = 0; u < train.rows; u++) for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) byItem[train.indices[p]].push(p);
      const order = rng.shuffle(Int32Array.from({ length: train.cols }, (_, i) => i));
      const out: number[] = [];
      for (const i of order) {
        if (out.length >= target) break;
        out.push(...byItem[i]);
      }
      return Int32Array.from(out).sort();
    }
    case 'popular': {
      // without replacement, each draw ∝ the item's popularity (Efraimidis–Spirakis keys)
      const pop = new Float64Array(train.cols);
      for (let p = 0; p < nnz; p++) pop[train.indices[p]]++;
      const keys = new Float64Array(nnz);
      for (let p = 0; p < nnz; p++) keys[p] = Math.log(rng.next() + 1e-300) / pop[train.indices[p]];
      const idx = Int32Array.from({ length: nnz }, (_, p) => p).sort((a, b) => keys[b] - keys[a]);
      return idx.slice(0, target).sort();
    }
    case 'recent': {
      // the most recent interactions of users (the break-up case), by timestamp: users in random
      // order each give up their latest RECENT_PER_USER; if that is not enough, further rounds
      // take each user's next most recent, until the target is reached
      const ts = train.timestamps;
      if (!ts) throw new Error("scenario 'recent' needs timestamps in the data");
      const order = rng.shuffle(Int32Array.from({ length: train.rows }, (_, u) => u));
      const latest = Array.from(order, (u) => {
        const ps = Array.from({ length: train.indptr[u + 1] - train.indptr[u] }, (_, q) => train.indptr[u] + q);
        return ps.sort((a, b) => ts[b] - ts[a]);
      });
      const out: number[] = [];
      for (let depth = 0; out.length < target; depth += RECENT_PER_USER) {
        for (const ps of latest) {
          if (out.length >= target) break;
          out.push(...ps.slice(depth, Math.min(ps.length, depth + RECENT_PER_USER, depth + target - out.length)));
        }
      }
      return Int32Array.from(out).sort();
    }
  }
}

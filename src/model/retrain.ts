// The ground truth forgetting is compared against: ALS from scratch on the model's remaining
// training data (blocked pairs excluded), same hyper-parameters, seeded start.
import { ALS, type FitResult, type IterationReport } from './als.js';
import type { AlsOptions } from './options.js';
import { remainingPairs } from './forget.js';

export interface RetrainOptions {
  /** Passes at most (default: the model's `iterations`). */
  iterations?: number;
  /** Seed of the factor start (default: the model's). */
  seed?: number;
  /** Stop as soon as the certificate is at most this. */
  tol?: number;
  /** Keep the factors of the best validation AUC (default false: the last). */
  keepBest?: boolean;
  onIteration?: (r: IterationReport) => void;
  backend?: AlsOptions['backend'];
}

export interface RetrainResult {
  model: ALS;
  fit: FitResult;
  /** First iteration whose certificate was ≤ tol, when tol was given. */
  reachedTolAt: number | null;
}

export async function retrain(source: ALS, opts: RetrainOptions = {}): Promise<RetrainResult> {
  const tr = source.trainRows;
  // the remaining pairs: stored pairs with c > 0 (exact forgetting has removed the others already)
  const { indptr, indices } = remainingPairs(tr, source.trainConfidence);
  const model = await ALS.create({
    ...source.options,
    iterations: opts.iterations ?? source.options.iterations,
    seed: opts.seed ?? source.options.seed,
    backend: opts.backend ?? source.backend,
  });
  let reachedTolAt: number | null = null;
  const fit = await model.fit(
    { users: source.userIds, items: source.itemIds, train: { rows: tr.rows, cols: tr.cols, indptr, indices }, test: source.testRows },
    {
      certificate: true,
      keepBest: opts.keepBest,
      onIteration: (r) => {
        opts.onIteration?.(r);
        if (opts.tol !== undefined && r.certificate! <= opts.tol) {
          reachedTolAt = r.iteration;
          return false;
        }
      },
    },
  );
  return { model, fit, reachedTolAt };
}

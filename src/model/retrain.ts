// The ground truth forgetting is compared against: ALS from scratch on the model's remaining
// training data (blocked pairs excluded), same hyper-parameters, seeded start, run to the same
// certificate stop rule as any fit.
import { ALS, type FitResult, type IterationReport } from './als.js';
import type { AlsOptions } from './options.js';
import { remainingPairs } from './forget.js';

export interface RetrainOptions {
  /** Passes at most (default: the model's `iterations`). */
  iterations?: number;
  /** Seed of the factor start (default: the model's). */
  seed?: number;
  /** Stop as soon as the certificate is at most this (default: the model's `tol`; 0 = all passes). */
  tol?: number;
  /** Keep the factors of the best validation AUC (default false: the last). */
  keepBest?: boolean;
  /** Validation AUC after every pass (default true when there is a hold-out). */
  trackAuc?: boolean;
  onIteration?: (r: IterationReport) => void;
  backend?: AlsOptions['backend'];
}

export interface RetrainResult {
  model: ALS;
  fit: FitResult;
  /** First iteration whose certificate was ≤ tol (null when it never was, or tol is 0). */
  reachedTolAt: number | null;
}

export async function retrain(source: ALS, opts: RetrainOptions = {}): Promise<RetrainResult> {
  const tr = source.trainRows;
  // the remaining pairs: stored pairs with c > 0 (exact forgetting has removed the others already)
  const { indptr, indices, conf } = remainingPairs(source);
  const model = await ALS.create({
    ...source.options,
    iterations: opts.iterations ?? source.options.iterations,
    tol: opts.tol ?? source.options.tol,
    seed: opts.seed ?? source.options.seed,
    backend: opts.backend ?? source.backend,
  });
  const fit = await model.fit(
    { users: source.userIds, items: source.itemIds, train: { rows: tr.rows, cols: tr.cols, indptr, indices }, confidence: conf, test: source.testRows },
    { certificate: true, keepBest: opts.keepBest, trackAuc: opts.trackAuc, onIteration: opts.onIteration },
  );
  const reachedTolAt = fit.converged ? fit.keptIteration : null;
  return { model, fit, reachedTolAt };
}

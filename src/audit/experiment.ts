// The paper's experiments and past them: for each run (seed), scenario and removal fraction, a base
// model is untrained (exact and block) and retrained from scratch on the same remaining data, then
// compared by passes, AUC, membership inference (V, V′), KS tests and the before/after attacker.
import type { Dataset } from '../data/dataset.js';
import { ALS } from '../model/als.js';
import { modelFromBytes, modelToBytes } from '../model/persist.js';
import { retrain } from '../model/retrain.js';
import { pairsAt } from '../model/forget.js';
import type { AlsOptions } from '../model/options.js';
import type { ExperimentResults, KsFigure, SummaryRow } from './report.js';
import {
  beforeAfterAuc, forgottenVsHeldOut, membershipInference, miSplit, pairScores, vulnerability,
} from './membership.js';
import { ksTwoSample } from './ks.js';
import { confidenceInterval95, mean } from './stats.js';
import { prepareDataset } from '../data/dataset.js';
import { removalPositions, type Scenario } from './scenarios.js';
import type { Interactions } from '../data/interactions.js';

export interface ExperimentOptions {
  model: Partial<AlsOptions>;
  fractions: number[];
  scenarios: Scenario[];
  runs: number;
  /** Untrain passes at most (default 30). */
  maxPasses?: number;
  /**
   * Untrain to this certificate (default: the base model's own residual, as `forget` does); retrain
   * then also runs until it reaches it (at most 300 passes) instead of the model's iteration count.
   */
  tol?: number;
  /** Called after each (run, scenario, fraction) cell. */
  onCell?: (done: number, total: number, note: string) => void;
}

interface Cell {
  untrainPasses: number; retrainPasses: number; untrainSeconds: number; retrainSeconds: number;
  aucUntrain: number; aucRetrain: number; retrainBestIteration: number; removed: number;
  mi: { undeleted: number; retrain: number; untrain: number };
  ks: { undeleted: KsFigure; retrain: KsFigure; exact: KsFigure; block: KsFigure };
  beforeAfter: { untrain: number; retrain: number };
}

export async function runExperiment(
  data: Interactions, source: string, opts: ExperimentOptions,
): Promise<ExperimentResults> {
  const t0 = performance.now();
  const maxPasses = opts.maxPasses ?? 30;
  const retrainCurves: ExperimentResults['retrainCurves'] = [];
  const untrainCurves: ExperimentResults['untrainCurves'] = [];
  const cells = new Map<string, Cell[]>();
  const total = opts.runs * opts.scenarios.length * opts.fractions.length;
  let done = 0;
  let model0: ALS | undefined;
  for (let run = 0; run < opts.runs; run++) {
    const ds: Dataset = prepareDataset(data, { holdout: 0.01, seed: run });
    const base = await ALS.create({ ...opts.model, seed: run });
    model0 = base;
    await base.fit(ds, { keepBest: true });
    const bytes = modelToBytes(base);
    const heldOut = pairsAt(ds.test!);
    // interaction counts in the data the base model saw (the same features for every model)
    const userCount = new Float64Array(ds.users.size);
    const itemCount = new Float64Array(ds.items.size);
    for (let u = 0; u < ds.train.rows; u++) {
      for (let p = ds.train.indptr[u]; p < ds.train.indptr[u + 1]; p++) {
        userCount[u]++;
        itemCount[ds.train.indices[p]]++;
      }
    }
    const undeleted = await modelFromBytes(bytes);
    for (const scenario of opts.scenarios) {
      for (const fraction of opts.fractions) {
        const positions = removalPositions(ds.train, scenario, fraction, 1000 * run + Math.round(fraction * 1000));
        const forgotten = pairsAt(ds.train, positions);
        const ids = Array.from(positions, (_, t) => [ds.users.id(forgotten.users[t]), ds.items.id(forgotten.items[t])] as const);
        // exact untraining, AUC per pass
        const untrained = await modelFromBytes(bytes);
        const ur = untrained.forget(ids, {
          maxPasses,
          tol: opts.tol,
          onPass: (r) => untrainCurves.push({ scenario, fraction, run, pass: r.iteration, auc: untrained.auc().auc, certificate: r.certificate }),
        });
        const block = await modelFromBytes(bytes);
        block.forget(ids, { mode: 'block', maxPasses: ur.passes, tol: 0 });
        // retrain from scratch on the same remaining data, AUC and certificate per iteration
        const tr = performance.now();
        let retrainPasses = 0;
        let retrainSeconds = 0;
        // with a fixed certificate, retrain runs until it reaches it too (at most 300 passes)
        const rr = await retrain(untrained, {
          seed: run,
          ...(opts.tol !== undefined ? { tol: opts.tol, iterations: Math.max(300, untrained.options.iterations) } : {}),
          onIteration: (it) => {
            retrainCurves.push({ scenario, fraction, run, iteration: it.iteration, auc: it.auc! });
            if (!retrainPasses && it.certificate! <= ur.tolerance) {
              retrainPasses = it.iteration;
              retrainSeconds = (performance.now() - tr) / 1000;
            }
          },
        });
        if (!retrainPasses) {
          retrainPasses = rr.fit.iterations.length;
          retrainSeconds = rr.fit.seconds;
        }
        const retrained = rr.model;
        const remain = pairsAt(untrained.trainRows);
        const split = miSplit(remain, forgotten, run + 1);
        const mi = {
          undeleted: membershipInference(undeleted, split, userCount, itemCount).accuracy,
          retrain: membershipInference(retrained, split, userCount, itemCount).accuracy,
          untrain: membershipInference(untrained, split, userCount, itemCount).accuracy,
        };
        // KS: forgotten vs held-out when the removal set is drawn like the hold-out (uniform);
        // otherwise each model's scores of the forgotten pairs vs the retrained model's
        const ks = scenario === 'uniform'
          ? {
            undeleted: fig(forgottenVsHeldOut(undeleted, forgotten, heldOut)),
            retrain: fig(forgottenVsHeldOut(retrained, forgotten, heldOut)),
            exact: fig(forgottenVsHeldOut(untrained, forgotten, heldOut)),
            block: fig(forgottenVsHeldOut(block, forgotten, heldOut)),
          }
          : (() => {
            const ref = pairScores(retrained, forgotten).score;
            const vs = (m: ALS): KsFigure => fig(ksTwoSample(pairScores(m, forgotten).score, ref));
            return { undeleted: vs(undeleted), retrain: { statistic: 0, pValue: 1 }, exact: vs(untrained), block: vs(block) };
          })();
        const nOthers = Math.min(remain.users.length, 5 * forgotten.users.length);
        const others = { users: remain.users.subarray(0, nOthers), items: remain.items.subarray(0, nOthers) };
        const cell: Cell = {
          untrainPasses: ur.passes, retrainPasses, untrainSeconds: ur.seconds, retrainSeconds,
          aucUntrain: ur.auc!, aucRetrain: rr.fit.bestAuc, retrainBestIteration: rr.fit.bestIteration, removed: ur.forgotten,
          mi, ks,
          beforeAfter: { untrain: beforeAfterAuc(undeleted, untrained, forgotten, others), retrain: beforeAfterAuc(undeleted, retrained, forgotten, others) },
        };
        const key = `${scenario}|${fraction}`;
        (cells.get(key) ?? cells.set(key, []).get(key)!).push(cell);
        for (const m of [untrained, block, retrained]) m.dispose();
        opts.onCell?.(++done, total, `${scenario} ${fraction} run ${run}`);
      }
    }
    undeleted.dispose();
    if (run < opts.runs - 1) base.dispose();
  }
  const summary: SummaryRow[] = [];
  for (const [key, cs] of cells) {
    const [scenario, f] = key.split('|');
    const avg = (get: (c: Cell) => number): number => mean(cs.map(get));
    const V = cs.map((c) => vulnerability(c.mi).V);
    const Vp = cs.map((c) => vulnerability(c.mi).Vprime);
    const ci = confidenceInterval95(V);
    const cip = confidenceInterval95(Vp);
    summary.push({
      scenario, fraction: Number(f), removed: avg((c) => c.removed), runs: cs.length,
      untrainPasses: avg((c) => c.untrainPasses), retrainPasses: avg((c) => c.retrainPasses),
      untrainSeconds: avg((c) => c.untrainSeconds), retrainSeconds: avg((c) => c.retrainSeconds),
      aucUntrain: avg((c) => c.aucUntrain), aucRetrain: avg((c) => c.aucRetrain), retrainBestIteration: avg((c) => c.retrainBestIteration),
      mi: { undeleted: avg((c) => c.mi.undeleted), retrain: avg((c) => c.mi.retrain), untrain: avg((c) => c.mi.untrain) },
      V: ci.mean, VCI: [ci.low, ci.high], Vprime: cip.mean, VprimeCI: [cip.low, cip.high],
      ks: cs[0].ks,
      beforeAfter: { untrain: avg((c) => c.beforeAfter.untrain), retrain: avg((c) => c.beforeAfter.retrain) },
    });
  }
  const o = model0!.options;
  model0!.dispose();
  return {
    meta: {
      data: source, users: data.users.size, items: data.items.size, interactions: data.csr.indptr[data.csr.rows],
      factors: o.factors, regularization: o.regularization, alpha: o.alpha, solver: o.solver, runs: opts.runs,
      fractions: opts.fractions, scenarios: opts.scenarios, seconds: (performance.now() - t0) / 1000, date: new Date().toISOString(),
    },
    retrainCurves,
    untrainCurves,
    summary,
  };
}

function fig(k: { statistic: number; pValue: number }): KsFigure {
  return { statistic: k.statistic, pValue: k.pValue };
}

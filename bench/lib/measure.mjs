// How things are timed: one helper around tinybench, the model configurations, evaluation, and the
// pieces of untraining and retraining that the benchmarks share.
import { Bench } from 'tinybench';
import { ALS, retrain } from '../../dist/index.node.js';

/** The configurations compared: threads 0 = every core. */
export const CONFIGS = {
  'wasm-threads': { backend: 'wasm', threads: 0 },
  'wasm-1-thread': { backend: 'wasm', threads: 1 },
  js: { backend: 'js', threads: 1 },
};

const seconds = (t0) => (performance.now() - t0) / 1000;

/**
 * Mean seconds of `fn`. It runs once first; when that took longer than `slow` seconds, that single
 * timing is the answer, otherwise tinybench runs it for `time` ms (3 runs at least).
 */
export async function timeTask(name, fn, { time, slow }) {
  const t0 = performance.now();
  fn();
  const first = seconds(t0);
  if (first > slow) return { seconds: first, samples: 1, single: true };
  const bench = new Bench({ time, warmup: false, iterations: 3 });
  bench.add(name, fn);
  await bench.run();
  const r = bench.tasks[0].result;
  if (r.state !== 'completed') throw r.error ?? new Error(`${name}: tinybench ended ${r.state}`);
  const l = r.latency;
  return { seconds: l.mean / 1000, samples: l.samplesCount, rme: l.rme, p50: l.p50 / 1000, p99: l.p99 / 1000, single: false };
}

/**
 * Median seconds of each task, measured in interleaved rounds: this machine's speed drifts with
 * whatever else runs on its host, so the configurations compared take turns (`rounds` short
 * tinybench runs each, `time` ms in all per task) and the median of all samples is the figure.
 * A task whose first run takes longer than `slow` seconds is timed by that run alone.
 * Returns, per task, { seconds (median), mean, samples, rounds, p25, p75, single }.
 */
export async function timeInterleaved(tasks, { time, slow, rounds = 5 }) {
  const out = tasks.map(({ fn }) => {
    const t0 = performance.now();
    fn();
    const first = seconds(t0);
    return first > slow ? { seconds: first, mean: first, samples: 1, single: true } : { all: [] };
  });
  const timed = tasks.map((t, i) => ({ ...t, i })).filter(({ i }) => !out[i].single);
  for (let r = 0; r < rounds; r++) {
    for (const { name, fn, i } of timed) {
      const bench = new Bench({ time: time / rounds, warmup: false, iterations: 2, retainSamples: true });
      bench.add(name, fn);
      await bench.run();
      const res = bench.tasks[0].result;
      if (res.state !== 'completed') throw res.error ?? new Error(`${name}: tinybench ended ${res.state}`);
      out[i].all.push(...res.latency.samples);
    }
  }
  for (const { i } of timed) {
    const a = out[i].all.sort((x, y) => x - y);
    const q = (p) => a[Math.min(a.length - 1, Math.floor(p * a.length))] / 1000;
    out[i] = { seconds: q(0.5), mean: a.reduce((x, y) => x + y, 0) / a.length / 1000, p25: q(0.25), p75: q(0.75), samples: a.length, rounds, single: false };
  }
  return out;
}

/**
 * Evaluation of a fitted model with a test set: held-out AUC, the latency of top-10 for one user
 * (mean over up to `sample` users spread over the ids) and the throughput of top-10 for every user
 * (stopped after `maxSeconds`; `throughputUsers` says how many were done).
 */
export async function timeEvaluation(model, { time, slow, sample = 1000, maxSeconds = 30 }) {
  let auc;
  const aucTime = await timeTask('auc', () => (auc = model.auc()), { time, slow });
  const n = model.nUsers;
  const step = Math.max(1, Math.floor(n / sample));
  const picks = [];
  for (let u = 0; u < n && picks.length < sample; u += step) picks.push(model.userIds.id(u));
  let next = 0;
  const latency = await timeTask('recommend', () => model.recommend(picks[next++ % picks.length], 10), { time, slow });
  const t0 = performance.now();
  let users = 0;
  while (users < n && seconds(t0) < maxSeconds) model.recommend(model.userIds.id(users++), 10);
  const all = seconds(t0);
  return {
    aucSeconds: aucTime.seconds, aucSamples: aucTime.samples, auc: auc.auc, aucPairs: auc.pairs,
    recommendSeconds: latency.seconds, recommendP99Seconds: latency.p99 ?? latency.seconds, recommendSamples: latency.samples,
    recommendUsers: picks.length, throughputUsers: users, throughputOf: n, throughputSeconds: all, usersPerSecond: users / all,
  };
}

/** A model fitted until its certificate is at most `tol` (or `options.iterations` passes). */
export async function trainToCertificate(ds, options, tol) {
  const model = await ALS.create(options);
  const t0 = performance.now();
  let passes = 0;
  const fit = await model.fit(ds, { certificate: true, onIteration: (r) => { passes = r.iteration; return r.certificate > tol; } });
  return { model, fit, passes, seconds: seconds(t0), certificate: model.fitResidual };
}

/** model.forget with the wall-clock time of the call and the figures the benchmarks keep. */
export function timedForget(model, pairs, options) {
  const t0 = performance.now();
  const r = model.forget(pairs, options);
  return {
    passes: r.passes, seconds: seconds(t0), instantSeconds: r.instantSeconds, auc: r.auc, rowsSolved: r.rowsSolved,
    certificateBefore: r.certificateBefore, certificateInstant: r.certificateInstant, certificateAfter: r.certificateAfter,
    reachedTol: r.certificateAfter <= options.tol,
  };
}

/**
 * Retraining from scratch on the model's remaining data (same options, threads and backend).
 * `passesToTol`/`secondsToTol`: the first pass whose certificate was ≤ tol, timed from the start of
 * the call (model creation and data upload included); with `stopAtTol` the retrain ends there.
 * `elapsed[i]`: seconds to the end of pass i + 1. The retrained model is disposed.
 */
export async function timedRetrain(model, { tol, iterations, stopAtTol }) {
  const t0 = performance.now();
  let passesToTol = null;
  let secondsToTol = null;
  const elapsed = [];
  const { model: fresh, fit } = await retrain(model, {
    iterations,
    tol: stopAtTol ? tol : undefined,
    onIteration: (it) => {
      elapsed.push(seconds(t0));
      if (passesToTol === null && it.certificate <= tol) {
        passesToTol = it.iteration;
        secondsToTol = elapsed.at(-1);
      }
    },
  });
  fresh.dispose();
  return { passesToTol, secondsToTol, elapsed, fit };
}

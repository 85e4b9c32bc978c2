// How things are timed: one helper around tinybench, the model configurations, evaluation, and the
// pieces of untraining and retraining that the benchmarks share.
import { Bench } from 'tinybench';
import { ALS, modelFromBytes, retrain } from '../../dist/index.node.js';

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

/**
 * A model fitted until its certificate is at most `tol`, at most `options.iterations` passes: `tol`
 * is the model's `options.tol`, so fit's own stop rule is the one (an `options.tol` left at its
 * default 1e-4 would stop the fit there, short of a tighter `tol`). No AUC after each pass; the
 * held-out AUC once at the end when there is a test set. `seconds`: the passes (fit.seconds).
 */
export async function trainToCertificate(ds, options, tol) {
  const model = await ALS.create({ ...options, tol });
  const fit = await model.fit(ds, { trackAuc: false });
  const auc = model.testRows ? model.auc().auc : null;
  return { model, fit, passes: fit.iterations.length, seconds: fit.seconds, certificate: model.fitResidual, converged: fit.converged, auc };
}

/**
 * model.forget with the wall-clock time of the call and the figures the benchmarks keep. `seconds`
 * is the whole call: finding the pairs, the data change, the instant step, every pass with its loss
 * and certificate, the evidence (and the AUC only if `options.auc`); `passSeconds` the passes alone.
 */
export function timedForget(model, pairs, options) {
  const t0 = performance.now();
  const r = model.forget(pairs, options);
  return {
    passes: r.passes, seconds: seconds(t0), instantSeconds: r.instantSeconds, auc: r.auc, rowsSolved: r.rowsSolved,
    passSeconds: r.curve.reduce((a, c) => a + c.seconds, 0),
    certificateBefore: r.certificateBefore, certificateInstant: r.certificateInstant, certificateAfter: r.certificateAfter,
    tolerance: r.tolerance, converged: r.converged, reachedTol: r.certificateAfter <= options.tol,
    baseStationary: r.baseStationary, note: r.note, found: r.found, evidence: r.evidence,
  };
}

/**
 * Retraining from scratch on the model's remaining data (same options, threads and backend), with
 * the certificate after every pass and no AUC (the same work per pass as an untrain pass). The
 * clock starts at the first pass: creating the model (and its threads), copying the remaining pairs
 * and uploading them are set-up (`setupSeconds`), as loading the model is on the untrain side.
 * `passesToTol`/`secondsToTol`: the first pass whose certificate was ≤ tol and the seconds from the
 * start of pass 1 to the end of its certificate; with `stopAtTol` the retrain ends there, otherwise
 * it runs all `iterations`. `elapsed[i]`: seconds to the end of pass i + 1. The retrained model is
 * disposed unless `keep` (then it is `model`, for the caller to dispose).
 */
export async function timedRetrain(model, { tol, iterations, stopAtTol, keep = false }) {
  const t0 = performance.now();
  let passesToTol = null;
  const at = [];
  const { model: fresh, fit } = await retrain(model, {
    iterations,
    tol: stopAtTol ? tol : 0,
    trackAuc: false,
    onIteration: (it) => {
      at.push(performance.now());
      if (passesToTol === null && it.certificate <= tol) passesToTol = it.iteration;
    },
  });
  const t1 = performance.now();
  // fit.seconds runs from just before its first pass to its return
  const start = t1 - fit.seconds * 1000;
  const elapsed = at.map((t) => (t - start) / 1000);
  if (!keep) fresh.dispose();
  return {
    passesToTol, secondsToTol: passesToTol === null ? null : elapsed[passesToTol - 1], elapsed, fit,
    converged: passesToTol !== null, setupSeconds: (t1 - t0) / 1000 - fit.seconds,
    passSeconds: fit.iterations.reduce((a, r) => a + r.seconds, 0), model: keep ? fresh : undefined,
  };
}

/** Index arrays of external (user, item) pairs. */
function indexPairs(model, pairs) {
  return { users: Int32Array.from(pairs, ([u]) => model.userIndex(u)), items: Int32Array.from(pairs, ([, i]) => model.itemIndex(i)) };
}

/** Index arrays of the model's held-out pairs (empty without a test set). */
function heldOutPairs(model) {
  const t = model.testRows;
  if (!t) return { users: new Int32Array(0), items: new Int32Array(0) };
  const users = new Int32Array(t.indptr[t.rows]);
  for (let u = 0; u < t.rows; u++) users.fill(u, t.indptr[u], t.indptr[u + 1]);
  return { users, items: Int32Array.from(t.indices) };
}

/** x_u·y_i of each pair (float64). */
function scores(model, { users, items }) {
  const X = model.userFactors;
  const Y = model.itemFactors;
  const k = model.k;
  return Float64Array.from(users, (u, t) => {
    let d = 0;
    for (let f = 0, xo = u * k, yo = items[t] * k; f < k; f++) d += X[xo + f] * Y[yo + f];
    return d;
  });
}
const mean = (a) => (a.length ? a.reduce((x, y) => x + y, 0) / a.length : null);
const meanAbsDiff = (a, b) => mean(Array.from(a, (x, t) => Math.abs(x - b[t])));

/**
 * Exact untraining of `pairs` (training pairs of the model in `bytes`) to certificate `tol`,
 * against retraining from scratch on the same remaining data to the same certificate. Both sides
 * pay alike: the loss and the certificate after every pass and nothing else; loading the model
 * (untrain) and creating and uploading a new one (retrain) are outside the clocks; the held-out AUC
 * is computed once for each at the end, outside the clocks (`auc` false: not at all).
 * Scores: the mean x_u·y_i of the forgotten pairs and of the held-out pairs under the base model,
 * after untraining and after retraining, and the mean |untrained − retrained| per pair.
 */
export async function untrainAgainstRetrain(bytes, pairs, { threads, tol, maxPasses, iterations, auc = true }) {
  const m = await modelFromBytes(bytes, { threads });
  let fresh;
  try {
    const forgotten = indexPairs(m, pairs);
    const held = heldOutPairs(m);
    const base = { forgotten: scores(m, forgotten), heldOut: scores(m, held) };
    const baseAuc = auc && m.testRows ? m.auc().auc : null;
    const untrain = timedForget(m, pairs, { tol, maxPasses });
    if (untrain.found.heldOut) throw new Error('internal: forgotten pairs among the held-out pairs');
    const untrained = { forgotten: scores(m, forgotten), heldOut: scores(m, held) };
    untrain.auc = auc && m.testRows ? m.auc().auc : null;
    const re = await timedRetrain(m, { tol, iterations, stopAtTol: true, keep: true });
    fresh = re.model;
    const retrained = { forgotten: scores(fresh, forgotten), heldOut: scores(fresh, held) };
    const retrain = {
      passes: re.fit.iterations.length, passesToTol: re.passesToTol, seconds: re.fit.seconds, setupSeconds: re.setupSeconds,
      passSeconds: re.passSeconds, converged: re.converged, certificate: re.fit.residual,
      auc: auc && fresh.testRows ? fresh.auc().auc : null,
    };
    const side = (key) => ({
      base: mean(base[key]), untrained: mean(untrained[key]), retrained: mean(retrained[key]),
      meanAbsUntrainedRetrained: meanAbsDiff(untrained[key], retrained[key]), meanAbsBaseRetrained: meanAbsDiff(base[key], retrained[key]),
      pairs: base[key].length,
    });
    const { evidence, ...u } = untrain;
    return {
      pairs: pairs.length, baseAuc, untrain: u, retrain,
      scores: { forgotten: side('forgotten'), heldOut: side('heldOut'), trainSampleUntrained: evidence.trainSample },
    };
  } finally {
    fresh?.dispose();
    m.dispose();
  }
}

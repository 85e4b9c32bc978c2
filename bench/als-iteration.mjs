#!/usr/bin/env node
// The benchmark of issue 5: the WASM SIMD kernels on every core and on one thread against the
// pure-JS twin, at several factor counts, for CG (3 steps) and Cholesky:
//   passes      seconds per ALS pass (all users, then all items) on each data set;
//   evaluation  held-out AUC, top-10 latency for one user, top-10 throughput for every user;
//   forgetting  untraining 1% of the training pairs to a certificate against retraining from
//               scratch to the same certificate, from a base model trained to a tighter one.
// Prints one table per section with the speedups threads / 1 thread and wasm / js, and writes
// every figure with the machine's facts to JSON.
//
//   npm run bench -- [--quick] [--sets ml100k,ml1m,synthetic] [--factors 32,64,128] [--solvers cg,cholesky] [--json]
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ALS, modelFromBytes, modelToBytes, sampleTrainingPairs, shutdownThreads } from '../dist/index.node.js';
import { SETS, benchDir, list, loadSet, log, machine, withoutTest, writeJson } from './lib/common.mjs';
import { CONFIGS, timeEvaluation, timeInterleaved, timeTask, timedForget, timedRetrain, trainToCertificate } from './lib/measure.mjs';
import { figure, textReport } from './lib/report.mjs';

const HELP = `npm run bench -- [options]      (node bench/als-iteration.mjs after npm run build)

  --quick              smoke test: ML-100K, k 64, CG, short timings, forgetting on ML-100K
                       (any option below still applies); JSON to bench/results/als-iteration-quick.json
  --sections <list>    passes,eval,forget (default all)
  --sets <list>        ${Object.keys(SETS).join(',')} (default ml100k,ml1m,synthetic;
                       synthetic20m, opt-in: shaped like ML-20M, 138k users, 27k items,
                       20M pairs, ~25 s to generate, js skipped by --js-max)
  --factors <list>     factor counts (default 32,64,128)
  --solvers <list>     cg,cholesky (default both)
  --configs <list>     ${Object.keys(CONFIGS).join(',')} (default all; wasm-threads uses every core)
  --backends <list>    wasm,js: keep only the configurations on these backends (default both)
  --time <ms>          tinybench time budget per task (default 1500, passes 3000; --quick 300, 600)
  --rounds <n>         passes: the configurations take turns in n rounds, each figure is the median
                       of all its samples (default 6; --quick 3)
  --slow <s>           when one run of a task takes longer than this, report that single timing (default 3)
  --js-max <n>         skip js on sets with more than n interactions (default 5000000)
  --forget-set <name>  data of the forgetting section (default ml1m; --quick ml100k)
  --fraction <f>       share of the training pairs forgotten, uniform (default 0.01; seed --forget-seed 1)
  --tol <t>            certificate untraining and retraining run to (default 1e-4)
  --base-tol <t>       certificate the base model is trained to first (default 5e-5)
  --max <n>            passes at most for the base, untraining and retraining (default 300)
  --budget <s>         skip a configuration's forgetting run when its retrain is predicted (one pass ×
                       the passes an earlier configuration needed) to take longer (default 300; --quick 20)
  --data <dir>         MovieLens folder (default ../shared/data or $UNTRAIN_ALS_DATA)
  --out <file>         JSON output (default bench/results/als-iteration.json)
  --json               print the JSON instead of the tables
  --help               this text
`;
let v;
let settings;
try {
  ({ values: v } = parseArgs({
    options: Object.fromEntries([
      ...['sections', 'sets', 'factors', 'solvers', 'configs', 'backends', 'time', 'rounds', 'slow', 'js-max', 'forget-set', 'fraction',
        'forget-seed', 'tol', 'base-tol', 'max', 'budget', 'data', 'out'].map((name) => [name, { type: 'string' }]),
      ...['quick', 'json', 'help'].map((name) => [name, { type: 'boolean' }]),
    ]),
  }));
  settings = v.help ? null : readSettings(v);
} catch (err) {
  process.stderr.write(`${err.message}\n(npm run bench -- --help lists the options)\n`);
  process.exit(2);
}
if (v.help) {
  process.stdout.write(HELP);
  process.exit(0);
}

/** The options as settings, defaults filled in (--quick changes some); throws on a bad value. */
function readSettings(v) {
  const quick = !!v.quick;
  const number = (name, fallback) => {
    const x = Number(v[name] ?? fallback);
    if (!Number.isFinite(x) || x < 0) throw new Error(`--${name} ${v[name]}: expected a number ≥ 0`);
    return x;
  };
  const oneOf = (name, values, known) => {
    for (const x of values) if (!known.includes(x)) throw new Error(`--${name}: unknown "${x}"; expected ${known.join(', ')}`);
    return values;
  };
  const factors = list(v.factors, quick ? '64' : '32,64,128').map(Number);
  if (!factors.every((k) => Number.isInteger(k) && k >= 1)) throw new Error(`--factors ${v.factors}: expected integers ≥ 1`);
  return {
    quick,
    sections: oneOf('sections', list(v.sections, 'passes,eval,forget'), ['passes', 'eval', 'forget']),
    sets: oneOf('sets', list(v.sets, quick ? 'ml100k' : 'ml100k,ml1m,synthetic'), Object.keys(SETS)),
    factors,
    solvers: oneOf('solvers', list(v.solvers, quick ? 'cg' : 'cg,cholesky'), ['cg', 'cholesky']),
    configs: oneOf('configs', list(v.configs, Object.keys(CONFIGS).join(',')), Object.keys(CONFIGS))
      .filter((c) => oneOf('backends', list(v.backends, 'wasm,js'), ['wasm', 'js']).includes(CONFIGS[c].backend)),
    time: number('time', quick ? 300 : 1500),
    passTime: number('time', quick ? 600 : 3000),
    rounds: Math.max(1, Math.round(number('rounds', quick ? 3 : 6))),
    slow: number('slow', 3),
    jsMax: number('js-max', 5e6),
    forgetSet: oneOf('forget-set', [v['forget-set'] ?? (quick ? 'ml100k' : 'ml1m')], Object.keys(SETS))[0],
    fraction: number('fraction', 0.01),
    forgetSeed: number('forget-seed', 1),
    tol: number('tol', 1e-4),
    baseTol: number('base-tol', 5e-5),
    max: number('max', 300),
    budget: number('budget', quick ? 20 : 300),
    model: { regularization: 50, alpha: 40, cgSteps: 3, seed: 0 },
    holdout: 0.01,
    splitSeed: 0,
  };
}
const outFile = v.out ?? join(benchDir, settings.quick ? 'results/als-iteration-quick.json' : 'results/als-iteration.json');
const { time, slow } = settings;
const facts = machine();
const loadOptions = { dataDir: v.data, holdout: settings.holdout, seed: settings.splitSeed };

/** Per configuration: what it asks for and how many threads really ran (from its first model). */
const configs = Object.fromEntries(settings.configs.map((c) => [c, { ...CONFIGS[c] }]));
/** A new model on `config` with `options`, or a copy of a saved model (`bytes`) on it. */
async function modelOn(config, { options, bytes }) {
  const model = bytes ? await modelFromBytes(bytes, CONFIGS[config]) : await ALS.create({ ...settings.model, ...options, ...CONFIGS[config] });
  configs[config].threadsRun ??= model.threads;
  configs[config].threadNote ??= model.threadNote;
  return model;
}
/** Why `config` is not run on `set` (null when it is): js only on sets up to --js-max interactions. */
const jsSkip = (config, set) =>
  CONFIGS[config].backend === 'js' && set.interactions > settings.jsMax ? `js on ${set.label}: over ${settings.jsMax} interactions (--js-max)` : null;
/** Per configuration: the figure `get` takes from a result, or 'skip'. */
const valuesOf = (results, get) => Object.fromEntries(Object.entries(results).map(([c, r]) => [c, r.skipped ? 'skip' : get(r)]));
const shape = ({ ds, ...rest }) => rest;

const sets = {};
const passes = [];
const evaluation = [];
const measurePasses = settings.sections.includes('passes');
const measureEval = settings.sections.includes('eval');
if (measurePasses || measureEval) for (const name of settings.sets) await measureSet(name);
const forgetting = settings.sections.includes('forget') ? await measureForgetting() : null;
facts.loadavgEnd = loadavg();
shutdownThreads();

const result = {
  benchmark: 'untrain-als: ALS passes, evaluation and forgetting; wasm on every core and on one thread, and js',
  machine: facts, settings, configs, sets, passes, evaluation, forgetting,
};
writeJson(outFile, result);
if (v.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
else {
  process.stdout.write(textReport(result));
  log(`wrote ${outFile}`);
}

/** Seconds per pass and evaluation, on one data set: a model per factor count, solver and configuration. */
async function measureSet(name) {
  const set = await loadSet(name, loadOptions);
  sets[name] = shape(set);
  log(`${set.label}: ${set.users} users, ${set.items} items, ${set.train} training pairs, ${set.test} held out (${set.seconds.toFixed(1)} s to load)`);
  for (const factors of settings.factors) {
    // evaluation does not depend on the solver: it runs on the first solver's models
    for (const solver of measurePasses ? settings.solvers : settings.solvers.slice(0, 1)) {
      const evaluate = measureEval && solver === settings.solvers[0];
      const pass = { set: name, label: set.label, factors, solver, results: {} };
      const ev = { set: name, label: set.label, factors, modelSolver: solver, results: {} };
      const models = {};
      for (const config of settings.configs) {
        const skipped = jsSkip(config, set);
        if (skipped) {
          pass.results[config] = ev.results[config] = { skipped };
          continue;
        }
        models[config] = await modelOn(config, { options: { factors, solver, iterations: 0 } });
        await models[config].fit(set.ds); // loads the data, random start, no passes
      }
      if (measurePasses) {
        // the configurations take turns, so drift in the machine's speed hits them alike
        const names = Object.keys(models);
        const tasks = names.map((config) => ({ name: `${name} k${factors} ${solver} ${config}`, fn: () => models[config].iterate() }));
        const timed = await timeInterleaved(tasks, { time: settings.passTime, slow, rounds: settings.rounds });
        names.forEach((config, i) => {
          const r = (pass.results[config] = timed[i]);
          const spread = r.single ? '1 run' : `${r.samples} runs in ${r.rounds} rounds, quartiles ${(r.p25 * 1000).toFixed(2)}–${(r.p75 * 1000).toFixed(2)}`;
          log(`  k${factors} ${solver.padEnd(8)} ${config.padEnd(13)} ${(r.seconds * 1000).toFixed(2)} ms/pass (median; ${spread})`);
        });
      }
      for (const [config, model] of Object.entries(models)) {
        if (evaluate) {
          const r = (ev.results[config] = await timeEvaluation(model, { time, slow }));
          log(`  k${factors} ${config.padEnd(13)} AUC ${r.aucSeconds.toFixed(3)} s, top-10 ${(r.recommendSeconds * 1000).toFixed(3)} ms, ${r.usersPerSecond.toFixed(0)} users/s`);
        }
        model.dispose();
      }
      if (measurePasses) passes.push({ ...pass, figures: [figure('pass', 's', valuesOf(pass.results, (r) => r.seconds))] });
      if (evaluate) {
        evaluation.push({ ...ev, figures: [
          figure('AUC', 's', valuesOf(ev.results, (r) => r.aucSeconds)),
          figure('top-10, one user', 'ms', valuesOf(ev.results, (r) => r.recommendSeconds * 1000)),
          figure('top-10, every user', 'users/s', valuesOf(ev.results, (r) => r.usersPerSecond), { better: 'higher' }),
        ] });
      }
    }
  }
}

/**
 * Untraining against retraining, per factor count and solver: a base model trained to --base-tol,
 * then on a copy per configuration, exact forgetting of a uniform sample of the training pairs to
 * --tol, and retraining from scratch on what remains to --tol. The models get no test set, so no
 * AUC is computed on either side: both are timed to the certificate alone.
 */
async function measureForgetting() {
  const { fraction, forgetSeed: seed, tol, baseTol, max } = settings;
  const set = await loadSet(settings.forgetSet, loadOptions);
  const data = withoutTest(set.ds);
  const section = { set: set.name, label: set.label, shape: shape(set), fraction, seed, tol, baseTol, rows: [] };
  log(`forgetting ${fraction * 100}% of ${set.label} to certificate ${tol.toExponential()}`);
  for (const factors of settings.factors) {
    for (const solver of settings.solvers) {
      // the base model is set-up, not measured: trained on every core
      const base = await trainToCertificate(data, { ...settings.model, factors, solver, iterations: max, backend: 'wasm', threads: 0 }, baseTol);
      const bytes = modelToBytes(base.model);
      const pairs = sampleTrainingPairs(base.model, fraction, seed);
      base.model.dispose();
      log(`  k${factors} ${solver}: base ${base.passes} passes, ${base.seconds.toFixed(1)} s, certificate ${base.certificate.toExponential(2)}; ${pairs.length} pairs to forget`);
      const results = {};
      let retrainPasses = null; // of the first configuration that ran: predicts the others' time
      for (const config of settings.configs) {
        const skipped = jsSkip(config, set) ?? (retrainPasses && (await overBudget(config, factors, solver, bytes, retrainPasses)));
        if (skipped) {
          results[config] = { skipped };
          log(`    skipped: ${skipped}`);
          continue;
        }
        const model = await modelOn(config, { bytes });
        const untrain = timedForget(model, pairs, { tol, maxPasses: max });
        const re = await timedRetrain(model, { tol, iterations: max, stopAtTol: true });
        model.dispose();
        const retrain = { passes: re.passesToTol, seconds: re.secondsToTol, passesRun: re.elapsed.length, certificate: re.fit.residual };
        retrainPasses ??= retrain.passes ?? max;
        results[config] = { untrain, retrain, retrainOverUntrain: retrain.seconds !== null ? retrain.seconds / untrain.seconds : null };
        log(`    ${config.padEnd(13)} untrain ${untrain.passes} passes ${untrain.seconds.toFixed(2)} s; retrain ${retrain.passes ?? `> ${max}`} passes ${retrain.seconds?.toFixed(2) ?? '-'} s`);
      }
      section.rows.push({
        set: set.name, label: set.label, factors, solver, pairs: pairs.length,
        base: { passes: base.passes, seconds: base.seconds, certificate: base.certificate }, results,
        figures: [
          figure('untrain', 's', valuesOf(results, (x) => x.untrain.seconds)),
          figure('untrain', 'passes', valuesOf(results, (x) => x.untrain.passes), { compare: false }),
          figure('retrain', 's', valuesOf(results, (x) => x.retrain.seconds)),
          figure('retrain', 'passes', valuesOf(results, (x) => x.retrain.passes), { compare: false }),
          figure('retrain ÷ untrain', '×', valuesOf(results, (x) => x.retrainOverUntrain), { compare: false }),
        ],
      });
    }
  }
  return section;
}

/**
 * Why a configuration's forgetting run is skipped ('' when it is not): its retrain (one pass ×
 * `passesNeeded`) would take longer than --budget. One pass's time comes from the passes section when it
 * measured this set, otherwise from one pass of a copy of the base model.
 */
async function overBudget(config, factors, solver, bytes, passesNeeded) {
  const measured = passes.find((r) => r.set === settings.forgetSet && r.factors === factors && r.solver === solver)?.results[config];
  let pass = measured?.seconds;
  if (pass === undefined) {
    const model = await modelOn(config, { bytes });
    pass = (await timeTask('one pass', () => model.iterate(), { time: 0, slow: 0 })).seconds; // slow 0: one run
    model.dispose();
  }
  const predicted = pass * passesNeeded;
  return predicted > settings.budget
    ? `${config} forgetting at k ${factors} ${solver}: retrain predicted ${predicted.toFixed(0)} s > ${settings.budget} s (--budget)` : '';
}

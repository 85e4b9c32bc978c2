// `untrain-als train`: fit a model on a file or the synthetic default, report the AUC curve, save it.
import { ALS, type FitResult } from '../model/als.js';
import { CONFIDENCES, SOLVERS, DEFAULT_OPTIONS as D, type AlsOptions } from '../model/options.js';
import { DUPLICATE_RULES } from '../data/interactions.js';
import { BACKENDS } from '../kernels/select.js';
import { FORMATS } from '../data/parse.js';
import { num, oneOf, parse, str, threadsFlag } from './args.js';
import { DATA_HELP, loadDataset } from './data.js';
import { saveModelLocked } from './model-flag.js';
import { readInteractionsFile } from '../node/files.js';
import { UsageError } from './args.js';
import { heldOutRows } from '../data/held-out.js';
import { progressBar } from './progress.js';
import { NOT_CONVERGED_EXIT, type Io } from './io.js';

export const TRAIN_HELP = `untrain-als train — fit an implicit-feedback ALS model

Usage: untrain-als train [--data <file>] [options] [--out model.uals] [--json]

Data:
${DATA_HELP}
Model:
  --factors <k>         latent factors (default ${D.factors}; at most the number of items)
  --reg <λ>             regularization λ ≥ 0 (default ${D.regularization})
  --alpha <α>           α of the confidence (default ${D.alpha})
  --confidence <c>      binary (default): c = 1 + α for every stored pair; linear: c = 1 + α·value;
                        log: c = 1 + α·log(1 + value/ε) (Hu, Koren & Volinsky 2008); linear and
                        log refuse a negative or non-finite value (drop it with --threshold)
  --epsilon <ε>         ε of the log confidence (default ${D.epsilon})
  --tol <T>             train until the certificate (relative residual of the normal equations)
                        is ≤ T (default ${D.tol.toExponential(0)}: a stationary model, which exact forgetting needs;
                        0 = no stop rule, run all --iterations)
  --iterations <n>      ALS passes at most (default ${D.iterations})
  --solver <s>          cg (default) or cholesky
  --cg-steps <n>        conjugate-gradient steps per row (default ${D.cgSteps})
  --backend <b>         auto (default: WASM SIMD when available), wasm, js
  --threads <n>         threads for the kernels (default: every core; same results on any number)
  --keep-best           keep the iteration with the best validation AUC (the paper's early stopping;
                        off by default: an early-stopped model is not stationary, and forgetting
                        on it also has to finish its training)
Output:
  --out <file>          write the model (atomically) to this file
  --json                print one JSON object instead of the summary
  --help                this text

Exit status: 0 done, 1 error, 2 usage error, ${NOT_CONVERGED_EXIT} saved but the certificate did not reach --tol
(raise --iterations).
`;

const FLAGS = {
  data: { type: 'string' }, format: { type: 'string' }, threshold: { type: 'string' }, holdout: { type: 'string' }, test: { type: 'string' },
  seed: { type: 'string' }, factors: { type: 'string' }, reg: { type: 'string' }, alpha: { type: 'string' },
  confidence: { type: 'string' }, epsilon: { type: 'string' }, duplicates: { type: 'string' },
  iterations: { type: 'string' }, tol: { type: 'string' }, solver: { type: 'string' }, 'cg-steps': { type: 'string' }, backend: { type: 'string' },
  threads: { type: 'string' }, 'keep-best': { type: 'boolean' }, out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

export function modelFlags(v: Record<string, unknown>): Partial<AlsOptions> {
  return {
    factors: num(v, 'factors', { int: true, min: 1 }),
    regularization: num(v, 'reg', { min: 0 }),
    alpha: num(v, 'alpha', { min: 0 }),
    confidence: oneOf(v, 'confidence', CONFIDENCES),
    epsilon: num(v, 'epsilon', { min: Number.MIN_VALUE }),
    iterations: num(v, 'iterations', { int: true, min: 1 }),
    tol: num(v, 'tol', { min: 0 }),
    solver: oneOf(v, 'solver', SOLVERS),
    cgSteps: num(v, 'cg-steps', { int: true, min: 1 }),
    seed: num(v, 'seed', { int: true, min: 0 }),
    backend: oneOf(v, 'backend', BACKENDS),
    threads: threadsFlag(v),
  };
}

export async function trainCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(TRAIN_HELP), 0;
  const json = Boolean(v.json);
  const opts = modelFlags(v);
  const model = await ALS.create(opts); // validates options before any data is read
  const testFile = str(v, 'test');
  const ds = await loadDataset({
    data: str(v, 'data'),
    format: oneOf(v, 'format', FORMATS),
    threshold: num(v, 'threshold'),
    duplicates: oneOf(v, 'duplicates', DUPLICATE_RULES),
    // a test file is the hold-out: no random one on top unless asked
    holdout: num(v, 'holdout', { min: 0, max: 0.99 }) ?? (testFile !== undefined ? 0 : 0.01),
    seed: opts.seed ?? 0,
  });
  let testNote = '';
  if (testFile !== undefined) {
    if (ds.test) throw new UsageError('--test and --holdout > 0 exclude each other: the test file is the hold-out');
    const raw = await readInteractionsFile(testFile);
    const t = heldOutRows(ds.users, ds.items, ds.train, raw.users.map((u, j) => [u, raw.items[j]] as const));
    if (t.kept === 0) throw new UsageError(`${testFile}: none of its ${raw.users.length} pairs are of users and items of the training data`);
    ds.test = t.rows as typeof ds.train;
    testNote = `${testFile}: ${t.kept} held-out pairs; left out ${t.unknown} of users or items not in the training data, ${t.inTraining} also in it`;
  }
  const bar = progressBar('train', model.options.iterations, !json);
  const fit = await model.fit(ds, {
    keepBest: Boolean(v['keep-best']),
    onIteration: (r) => bar.tick(r.iteration, r.auc !== undefined ? `auc ${r.auc.toFixed(4)}` : `loss ${r.loss.toExponential(3)}`),
  });
  bar.done();
  const out = str(v, 'out');
  const bytes = out ? await saveModelLocked(model, out, io) : undefined;
  const result = { ...trainResult(model, ds, fit, ds.source, out, bytes), testFile: testFile ?? null, testNote };
  if (json) io.json(result);
  else io.out(trainSummary(result) + (testNote ? `test      ${testNote}\n` : ''));
  return fit.converged || fit.tol === 0 ? 0 : NOT_CONVERGED_EXIT;
}

export function trainResult(
  model: ALS, ds: { users: { size: number }; items: { size: number }; interactions: number; train: { indptr: Int32Array; rows: number }; test?: { indptr: Int32Array; rows: number } },
  fit: FitResult, source: string, out?: string, bytes?: number,
) {
  const test = ds.test ? ds.test.indptr[ds.test.rows] : 0;
  const secs = fit.iterations.map((r) => r.seconds);
  return {
    source,
    users: ds.users.size,
    items: ds.items.size,
    interactions: ds.interactions,
    train: ds.train.indptr[ds.train.rows],
    test,
    backend: model.backend,
    threads: model.threads,
    threadNote: model.threadNote,
    solver: model.options.solver,
    factors: model.options.factors,
    regularization: model.options.regularization,
    alpha: model.options.alpha,
    confidence: model.options.confidence,
    epsilon: model.options.epsilon,
    cgSteps: model.options.cgSteps,
    seed: model.options.seed,
    iterations: fit.iterations.length,
    maxIterations: model.options.iterations,
    keptIteration: fit.keptIteration,
    tol: fit.tol,
    converged: fit.converged,
    auc: test ? model.auc().auc : null,
    bestIteration: test ? fit.bestIteration : null,
    bestAuc: test ? fit.bestAuc : null,
    residual: fit.residual,
    secondsPerIteration: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : 0,
    seconds: fit.seconds,
    curve: fit.iterations.map((r) => ({ iteration: r.iteration, auc: r.auc ?? null, loss: r.loss, seconds: r.seconds })),
    model: out ?? null,
    modelBytes: bytes ?? null,
  };
}

export function trainSummary(r: ReturnType<typeof trainResult>): string {
  const lines = [
    `data      ${r.source}: ${r.users} users, ${r.items} items, ${r.interactions} interactions (${r.train} train, ${r.test} held out)`,
    `model     ${r.factors} factors, λ ${r.regularization}, α ${r.alpha}${r.confidence === 'binary' ? '' : ` (${r.confidence} confidence${r.confidence === 'log' ? `, ε ${r.epsilon}` : ''})`}, ${r.solver}${r.solver === 'cg' ? ` (${r.cgSteps} steps)` : ''}, backend ${r.backend}`,
    `training  ${r.iterations} iterations, ${(r.secondsPerIteration * 1000).toFixed(1)} ms per iteration, ${r.seconds.toFixed(2)} s in all`,
  ];
  if (r.auc !== null) {
    lines.push(`AUC       ${r.auc.toFixed(4)} (best ${r.bestAuc!.toFixed(4)} at iteration ${r.bestIteration}; kept iteration ${r.keptIteration})`);
  }
  const stop = r.tol > 0
    ? (r.converged ? `; ≤ tolerance ${r.tol.toExponential(0)}: stationary` : `; NOT CONVERGED: above tolerance ${r.tol.toExponential(0)} (raise --iterations)`)
    : '; no tolerance';
  lines.push(`residual  ${r.residual.toExponential(2)} (certificate: relative residual of the normal equations${stop})`);
  if (r.model) lines.push(`saved     ${r.model} (${r.modelBytes} bytes)`);
  return lines.join('\n') + '\n';
}


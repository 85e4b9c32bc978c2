// `untrain-als retrain`: the baseline: ALS from scratch on a saved model's data minus a removal set.
import { MODEL_FLAGS, modelPath, openModel, saveModelLocked } from './model-flag.js';
import { retrain } from '../model/retrain.js';
import { num, parse, str } from './args.js';
import { REMOVAL_FLAGS, REMOVAL_HELP, removalSet } from './removal.js';
import { progressBar } from './progress.js';
import { NOT_CONVERGED_EXIT, type Io } from './io.js';

export const RETRAIN_HELP = `untrain-als retrain — retrain from scratch on a saved model's data minus a removal set

Usage: untrain-als retrain --model <m.uals> [--pairs <file> | --fraction <f> --seed S | --user/--item <id>…]
                           [--iterations N] [--tol T] [--out <m2.uals>] [--json]

The ground truth forgetting is compared with: same hyper-parameters, seeded start, with validation
AUC, loss and certificate (relative residual of the normal equations) after every iteration.

${REMOVAL_HELP}
  --iterations <n>    passes at most (default: the model's)
  --tol <T>           stop at the first iteration whose certificate is ≤ T (default: the model's own, 5e-5
                      unless it was trained with another; 0 = all --iterations)
  --init-seed <n>     seed of the factor start (default: the model's)
  --out <file>        write the retrained model here
  --backend <b>       kernel backend (default: the one saved with the model)
  --threads <n>       threads for the kernels (default: every core; same results on any number)
  --json              print one JSON object
  --help              this text

Exit status: 0 done, 1 error, 2 usage error, ${NOT_CONVERGED_EXIT} saved but the certificate did not reach --tol.
`;

const FLAGS = {
  ...MODEL_FLAGS, ...REMOVAL_FLAGS, iterations: { type: 'string' }, tol: { type: 'string' },
  'init-seed': { type: 'string' }, out: { type: 'string' },
} as const;

export async function retrainCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(RETRAIN_HELP), 0;
  const path = modelPath(v);
  const iterations = num(v, 'iterations', { int: true, min: 1 });
  const tol = num(v, 'tol', { min: 0 });
  const initSeed = num(v, 'init-seed', { int: true, min: 0 });
  const source = await openModel(v);
  const removal = await removalSet(v, source, false);
  let forgotten = 0;
  let notFound: Array<{ user: string; item: string; reason: string }> = [];
  if (removal) {
    // only the data change: the retrained model starts from scratch anyway
    const opts = { maxPasses: 0, noInstant: true };
    const r = 'pairs' in removal ? source.forget(removal.pairs, opts) : source.forgetRows(removal, opts);
    forgotten = r.forgotten;
    notFound = r.notFound;
  }
  const json = Boolean(v.json);
  const total = iterations ?? source.options.iterations;
  const bar = progressBar('retrain', total, !json);
  const t = performance.now();
  const { model, fit, reachedTolAt } = await retrain(source, {
    iterations, tol, seed: initSeed,
    onIteration: (r) => bar.tick(r.iteration, `certificate ${r.certificate?.toExponential(2)}`),
  });
  bar.done();
  const seconds = (performance.now() - t) / 1000;
  const out = str(v, 'out');
  if (out) await saveModelLocked(model, out, io);
  const result = {
    model: path, out: out ?? null, backend: model.backend, threads: model.threads, threadNote: model.threadNote, solver: model.options.solver, forgotten, notFound,
    // the saved model is the kept iteration (the last: retrain keeps no best-AUC iteration)
    iterations: fit.iterations.length, keptIteration: fit.keptIteration, bestIteration: model.testRows ? fit.bestIteration : null,
    bestAuc: model.testRows ? fit.bestAuc : null, tol: fit.tol, converged: fit.converged, reachedTolAt, certificate: fit.residual, seconds,
    curve: fit.iterations.map((r) => ({ iteration: r.iteration, auc: r.auc ?? null, loss: r.loss, certificate: r.certificate!, seconds: r.seconds })),
  };
  if (json) io.json(result);
  else {
    const last = result.curve[result.curve.length - 1];
    io.out(
      `retrained ${result.iterations} iterations in ${seconds.toFixed(2)} s on the data minus ${forgotten} pairs\n` +
      (result.bestAuc !== null ? `AUC       best ${result.bestAuc.toFixed(4)} at iteration ${result.bestIteration}; the model kept (and saved) is iteration ${result.keptIteration}\n` : '') +
      `certificate ${last.certificate.toExponential(2)} at the end${reachedTolAt !== null ? `; ≤ tolerance ${fit.tol.toExponential(0)} at iteration ${reachedTolAt}` : fit.tol > 0 ? `; NOT CONVERGED (tolerance ${fit.tol.toExponential(0)})` : ''}\n` +
      (out ? `saved     ${out}\n` : ''),
    );
  }
  return fit.converged || fit.tol === 0 ? 0 : NOT_CONVERGED_EXIT;
}

// `untrain-als forget`: forget pairs, users or items of a saved model exactly (or in the paper's
// block mode), and show the evidence.
import { resolve } from 'node:path';
import { fileLockHeld } from '../node/model-file.js';
import type { ForgetResult } from '../model/forget.js';
import { MODEL_FLAGS, modelPath, openModel, saveModelLocked, withModelLock } from './model-flag.js';
import { num, oneOf, parse, str, UsageError } from './args.js';
import { REMOVAL_FLAGS, REMOVAL_HELP, removalSet } from './removal.js';
import { progressBar } from './progress.js';
import { NOT_CONVERGED_EXIT, type Io } from './io.js';
import { DEFAULT_MAX_PASSES } from '../model/forget.js';

export const FORGET_HELP = `untrain-als forget — make a saved model forget user–item pairs, as if never seen

Usage: untrain-als forget --model <m.uals> (--pairs <file> | --fraction <f> [--seed S] | --user <id>… | --item <id>…)
                          [--mode exact|block] [--tol T] [--max-passes N] [--schedule full]
                          [--out <m2.uals> | --dry-run] [--strict] [--auc] [--json]

A pair is removed wherever the model stores it: its training pairs and its held-out pairs.

${REMOVAL_HELP}
  --mode <m>          exact (default): forgotten pairs become unobserved (p 0, c 1): the retrain
                      objective exactly. block: the paper's p 0, c 0 (not the retrain objective;
                      keeps a trace of the blocked pairs)
  --tol <T>           stop when the certificate (relative residual of the retrain objective's
                      normal equations) is ≤ T (default: min(1e-4, max(the certificate the model
                      has, the tolerance it was trained to)): 5e-5 on a model trained with defaults)
  --max-passes <n>    at most n untrain passes after the instant step (default ${DEFAULT_MAX_PASSES})
  --schedule full     whole ALS passes (the only schedule: a localised one was measured slower)
  --cache             build the inverse cache first (rows × k² floats) and do the instant step by
                      Sherman–Morrison rank-one updates instead of re-solving the affected rows
  --out <file>        write the model here (default: replace --model, atomically)
  --dry-run           do not write any model
  --strict            unknown ids or pairs the model does not store are an error (default: listed)
  --auc               also compute the held-out AUC at the end (about the cost of a pass)
  --backend <b>       kernel backend (default: the one saved with the model)
  --threads <n>       threads for the kernels (default: every core; same results on any number)
  --json              print one JSON object
  --help              this text

Exit status: 0 forgotten and converged, 1 error (nothing written), 2 usage error, ${NOT_CONVERGED_EXIT} forgotten
and saved, but the certificate did not reach the tolerance (run forget again with the same
--tol and a larger --max-passes to finish; the data change is already saved).
`;

const FLAGS = {
  ...MODEL_FLAGS, ...REMOVAL_FLAGS, mode: { type: 'string' }, tol: { type: 'string' },
  'max-passes': { type: 'string' }, schedule: { type: 'string' }, out: { type: 'string' }, 'dry-run': { type: 'boolean' },
  strict: { type: 'boolean' }, cache: { type: 'boolean' }, auc: { type: 'boolean' },
} as const;

export async function forgetCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(FORGET_HELP), 0;
  const path = modelPath(v);
  if (v['dry-run'] && v.out !== undefined) throw new UsageError('--dry-run and --out exclude each other');
  const mode = oneOf(v, 'mode', ['exact', 'block'] as const);
  const schedule = oneOf(v, 'schedule', ['full'] as const);
  const tol = num(v, 'tol', { min: 0 });
  const maxPasses = num(v, 'max-passes', { int: true, min: 0 }) ?? DEFAULT_MAX_PASSES;
  // in place, load → forget → save run under the model's lock, or a concurrent forget's removals
  // would be lost
  const inPlace = !v['dry-run'] && resolve(str(v, 'out') ?? path) === resolve(path);
  if (inPlace && !fileLockHeld(path)) return withModelLock(path, io, () => forgetCommand(argv, io));
  const model = await openModel(v);
  const removal = (await removalSet(v, model, true))!;
  if ('users' in removal && v.cache) throw new UsageError('--cache works on pairs, not on whole users or items');
  const json = Boolean(v.json);
  const cache = v.cache ? model.cacheInverses() : undefined;
  const bar = progressBar('forget', maxPasses, !json);
  const opts = {
    mode, schedule, tol, maxPasses, strict: Boolean(v.strict), auc: Boolean(v.auc),
    onPass: (p: { iteration: number; certificate: number }) => bar.tick(p.iteration, `certificate ${p.certificate.toExponential(2)}`),
  };
  const r = 'pairs' in removal ? model.forget(removal.pairs, opts) : model.forgetRows(removal, opts);
  bar.done();
  const out = v['dry-run'] ? undefined : (str(v, 'out') ?? path);
  if (out && r.forgotten > 0) await saveModelLocked(model, out, io); // in place: already held (re-entrant)
  const result = {
    model: path, out: out && r.forgotten > 0 ? out : null, backend: model.backend, threads: model.threads, threadNote: model.threadNote, solver: model.options.solver,
    cacheSeconds: cache?.seconds ?? null, cacheBytes: cache?.bytes ?? null, ...r,
  };
  if (json) io.json(result);
  else io.out(forgetSummary(r, result.out, cache));
  if (r.note) io.err(`untrain-als forget: ${r.note}\n`);
  return r.forgotten > 0 && !r.converged ? NOT_CONVERGED_EXIT : 0;
}

function forgetSummary(r: ForgetResult, out: string | null, cache?: { seconds: number; bytes: number }): string {
  const e = r.evidence;
  const nf = r.notFound[0];
  const f3 = (x: number | null): string => (x === null ? '–' : x.toFixed(3));
  return (
    `forgot    ${r.forgotten} of ${r.requested} pairs (${r.mode} mode; ${r.found.train} training, ${r.found.heldOut} held-out)` +
    `${r.notFound.length ? `; ${r.notFound.length} not found (first: ${nf.user},${nf.item}: ${nf.reason})` : ''}\n` +
    (r.removedUsers.length || r.removedItems.length
      ? `removed   ${r.removedUsers.length} users, ${r.removedItems.length} items from the model (ids and factors)\n` : '') +
    `instant   ${(r.instantSeconds * 1000).toFixed(1)} ms${cache ? ` (Sherman–Morrison; cache built in ${cache.seconds.toFixed(2)} s, ${(cache.bytes / 2 ** 20).toFixed(0)} MiB)` : ''}; certificate → ${r.certificateInstant.toExponential(2)}\n` +
    `untrain   ${r.passes} passes, ${r.rowsSolved} rows solved, ${r.seconds.toFixed(2)} s; certificate ${r.certificateAfter.toExponential(2)} ` +
    `(tolerance ${r.tolerance.toExponential(2)}: ${r.converged ? 'converged' : 'NOT converged'})\n` +
    `evidence  forgotten pairs score ${f3(e.forgottenBefore)} → ${f3(e.forgottenAfter)}; never-seen held-out pairs ${f3(e.heldOut)}, ` +
    `training pairs ${f3(e.trainSample)}${e.samplePairs ? ` (${e.samplePairs} each)` : ''}\n` +
    `loss      ${r.lossRemain.toExponential(6)} on the remaining data${r.auc !== null ? `; AUC ${r.auc.toFixed(4)}` : ''}\n` +
    (out ? `saved     ${out}\n` : 'saved     nothing\n')
  );
}

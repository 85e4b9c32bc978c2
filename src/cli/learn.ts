// `untrain-als learn`: add interactions to a saved model (new users and items too) and bring it back
// to a stationary point, the mirror of `forget`.
import { resolve } from 'node:path';
import { fileLockHeld } from '../node/model-file.js';
import { readInteractionsFile } from '../node/files.js';
import { DEFAULT_MAX_PASSES } from '../model/forget.js';
import { MODEL_FLAGS, modelPath, openModel, saveModelLocked, withModelLock } from './model-flag.js';
import { num, parse, str, UsageError } from './args.js';
import { progressBar } from './progress.js';
import { NOT_CONVERGED_EXIT, type Io } from './io.js';

export const LEARN_HELP = `untrain-als learn — add interactions to a saved model, new users and items included

Usage: untrain-als learn --model <m.uals> --pairs <file> [--tol T] [--max-passes N] [--out <m2.uals> | --dry-run] [--json]

The pairs join the training data (a new user or item gets an id and a factor row), the changed
rows are solved exactly, and warm ALS passes run until the certificate is at most the tolerance:
the model retraining on the grown data aims at. A learned pair that was held out leaves the
hold-out; a pair the model stores already is left as it is.

  --pairs <file>      user,item[,value] per line (any data format); values feed the model's confidence
  --tol <T>           as in forget (default: min(1e-4, max(the model's certificate, its training tolerance)))
  --max-passes <n>    at most n passes after the instant step (default ${DEFAULT_MAX_PASSES})
  --out <file>        write the model here (default: replace --model, atomically, under its lock)
  --dry-run           do not write any model
  --backend, --threads as in forget; --json one JSON object; --help this text

Exit status: 0 learned and converged, 1 error, 2 usage error, ${NOT_CONVERGED_EXIT} saved but not converged.
`;

const FLAGS = {
  ...MODEL_FLAGS, pairs: { type: 'string' }, tol: { type: 'string' }, 'max-passes': { type: 'string' },
  out: { type: 'string' }, 'dry-run': { type: 'boolean' },
} as const;

export async function learnCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(LEARN_HELP), 0;
  const path = modelPath(v);
  if (v['dry-run'] && v.out !== undefined) throw new UsageError('--dry-run and --out exclude each other');
  const file = str(v, 'pairs');
  if (file === undefined) throw new UsageError('--pairs <file> is required');
  const tol = num(v, 'tol', { min: 0 });
  const maxPasses = num(v, 'max-passes', { int: true, min: 0 }) ?? DEFAULT_MAX_PASSES;
  const inPlace = !v['dry-run'] && resolve(str(v, 'out') ?? path) === resolve(path);
  if (inPlace && !fileLockHeld(path)) return withModelLock(path, io, () => learnCommand(argv, io));
  const raw = await readInteractionsFile(file);
  const model = await openModel(v);
  const json = Boolean(v.json);
  const bar = progressBar('learn', maxPasses, !json);
  const r = model.learn(raw.users.map((u, t) => [u, raw.items[t], raw.values[t]] as const), {
    tol, maxPasses, onPass: (p) => bar.tick(p.iteration, `certificate ${p.certificate.toExponential(2)}`),
  });
  bar.done();
  const out = v['dry-run'] ? undefined : (str(v, 'out') ?? path);
  if (out && r.learned > 0) await saveModelLocked(model, out, io);
  const { curve, ...rest } = r;
  const result = { model: path, out: out && r.learned > 0 ? out : null, ...rest, curve };
  if (json) io.json(result);
  else {
    io.out(
      `learned   ${r.learned} of ${r.requested} pairs (${r.newUsers.length} new users, ${r.newItems.length} new items; ${r.alreadyStored} already stored, ${r.fromHeldOut} from the hold-out)\n` +
      `passes    ${r.passes}, ${r.seconds.toFixed(2)} s; certificate ${r.certificateAfter.toExponential(2)} (tolerance ${r.tolerance.toExponential(2)}: ${r.converged ? 'converged' : 'NOT converged'})\n` +
      `evidence  learned pairs score ${r.evidence.learnedBefore.toFixed(3)} → ${r.evidence.learnedAfter.toFixed(3)}\n` +
      (result.out ? `saved     ${result.out}\n` : 'saved     nothing\n'),
    );
  }
  if (r.note) io.err(`untrain-als learn: ${r.note}\n`);
  return r.learned > 0 && !r.converged ? NOT_CONVERGED_EXIT : 0;
}

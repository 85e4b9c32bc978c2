// `untrain-als import` and `export`: models of Python's `implicit` library in and out.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeNpy } from '../data/npz.js';
import { csvField } from './csv.js';
import { readInteractionsFile } from '../node/files.js';
import { makeDirs } from '../node/make-dirs.js';
import { writeFileAtomic } from '../node/model-file.js';
import { exportImplicit, importImplicit } from '../model/implicit-format.js';
import { BACKENDS } from '../kernels/select.js';
import { FORMATS } from '../data/parse.js';
import { MODEL_FLAGS, modelPath, openModel, saveModelLocked } from './model-flag.js';
import { oneOf, parse, str, threadsFlag, UsageError } from './args.js';
import type { Io } from './io.js';

export const IMPORT_HELP = `untrain-als import — build a model from a file another library wrote

Usage: untrain-als import --from implicit --model <model.npz> --data <interactions> --users <ids.txt>
                          --items <ids.txt> [--values column|ones] --out <m.uals> [--json]

implicit's save() stores the factors and hyper-parameters but no ids and no interactions, so both
are given: the ids in the factors' row order (one per line), and the interactions the model was
fitted on (any data format). implicit's confidence c = α·value is kept per pair, and α' = α − 1
(c = 1 + α' for a pair of value 1, this package's convention).

  --from implicit      the source library (the only one so far)
  --model <file>       the .npz implicit's AlternatingLeastSquares.save() wrote
  --data <file>        the interactions it was fitted on; --format as in train
  --values <v>         column (default): the data's value column is implicit's matrix value;
                       ones: every pair was 1.0 (a binary matrix)
  --users <file>       user ids in row order, one per line
  --items <file>       item ids in row order, one per line
  --out <file>         the .uals model to write
  --backend, --threads as in train; --json one JSON object; --help this text
`;

export const EXPORT_HELP = `untrain-als export — write a saved model in another library's format

Usage: untrain-als export --to implicit|npy|csv --model <m.uals> --out <file or folder> [--json]

  implicit: an .npz that implicit's AlternatingLeastSquares.load() reads (float32 factors, the
            hyper-parameters, α = α' + 1), and the ids in row order next to it: <out>.users.txt
            and <out>.items.txt (implicit stores none)
  npy:      the folder <out> with user_factors.npy, item_factors.npy (float32, rows × k) and
            users.txt, items.txt (the ids in row order)
  csv:      the folder <out> with user_factors.csv and item_factors.csv: "id,f0,…,f(k−1)" per row

  --to <format>        implicit, npy or csv
  --model <file>       a model written by this package
  --out <file>         the .npz to write
  --json               one JSON object; --help this text
`;

const IMPORT_FLAGS = {
  from: { type: 'string' }, model: { type: 'string' }, data: { type: 'string' }, format: { type: 'string' }, values: { type: 'string' },
  users: { type: 'string' }, items: { type: 'string' }, out: { type: 'string' }, backend: { type: 'string' }, threads: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

async function idLines(path: string, flag: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--${flag} ${JSON.stringify(path)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
}

function required(v: Record<string, unknown>, name: string): string {
  const s = str(v, name);
  if (s === undefined) throw new UsageError(`--${name} is required`);
  return s;
}

export async function importCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, IMPORT_FLAGS);
  if (v.help) return io.out(IMPORT_HELP), 0;
  if (oneOf(v, 'from', ['implicit'] as const) === undefined) throw new UsageError('--from implicit is required');
  const npzPath = required(v, 'model');
  const out = required(v, 'out');
  const values = oneOf(v, 'values', ['column', 'ones'] as const) ?? 'column';
  const [userIds, itemIds] = await Promise.all([idLines(required(v, 'users'), 'users'), idLines(required(v, 'items'), 'items')]);
  let npz: Uint8Array;
  try {
    npz = await readFile(npzPath);
  } catch (err) {
    throw new UsageError(`--model ${JSON.stringify(npzPath)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const raw = await readInteractionsFile(required(v, 'data'), { format: oneOf(v, 'format', FORMATS) });
  const { model, note } = await importImplicit({
    npz, userIds, itemIds, source: npzPath,
    interactions: { users: raw.users, items: raw.items, values: values === 'ones' ? undefined : raw.values },
    backend: oneOf(v, 'backend', BACKENDS), threads: threadsFlag(v),
  });
  const bytes = await saveModelLocked(model, out, io);
  const r = { model: out, bytes, users: model.nUsers, items: model.nItems, pairs: model.trainRows.nnz, factors: model.k, certificate: model.fitResidual, note };
  if (v.json) io.json(r);
  else io.out(`imported ${npzPath}: ${r.users} users × ${r.items} items, ${r.pairs} pairs, ${r.factors} factors\nnote      ${note}\nsaved     ${out}\n`);
  return 0;
}

export async function exportCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, { ...MODEL_FLAGS, to: { type: 'string' }, out: { type: 'string' } });
  if (v.help) return io.out(EXPORT_HELP), 0;
  const to = oneOf(v, 'to', ['implicit', 'npy', 'csv'] as const);
  if (to === undefined) throw new UsageError('--to implicit|npy|csv is required');
  modelPath(v);
  const out = required(v, 'out');
  const model = await openModel(v);
  const enc = new TextEncoder();
  if (to !== 'implicit') {
    await makeDirs(out);
    const k = model.k;
    const sides = [['user', model.userIds.ids, model.userFactors], ['item', model.itemIds.ids, model.itemFactors]] as const;
    const files: string[] = [];
    for (const [side, ids, F] of sides) {
      if (to === 'npy') {
        files.push(join(out, `${side}_factors.npy`), join(out, `${side}s.txt`));
        await writeFileAtomic(files.at(-2)!, writeNpy({ descr: '<f4', shape: [ids.length, k], data: F.slice() }));
        await writeFileAtomic(files.at(-1)!, enc.encode(ids.join('\n') + '\n'));
      } else {
        const lines = [`id,${Array.from({ length: k }, (_, f) => `f${f}`).join(',')}`];
        ids.forEach((id, r) => lines.push(`${csvField(id)},${Array.from(F.subarray(r * k, (r + 1) * k)).join(',')}`));
        files.push(join(out, `${side}_factors.csv`));
        await writeFileAtomic(files.at(-1)!, enc.encode(lines.join('\n') + '\n'));
      }
    }
    if (v.json) io.json({ out, files });
    else io.out(`wrote ${files.join(', ')}\n`);
    return 0;
  }
  const e = exportImplicit(model);
  await writeFileAtomic(`${out}.users.txt`, enc.encode(e.userIds.join('\n') + '\n'));
  await writeFileAtomic(`${out}.items.txt`, enc.encode(e.itemIds.join('\n') + '\n'));
  await writeFileAtomic(out, e.npz);
  const r = { out, users: `${out}.users.txt`, items: `${out}.items.txt`, bytes: e.npz.length };
  if (v.json) io.json(r);
  else io.out(`wrote ${out} (${r.bytes} bytes), ${r.users}, ${r.items}\n`);
  return 0;
}

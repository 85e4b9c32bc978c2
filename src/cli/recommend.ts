// `untrain-als recommend`: top-N items for one user, for many users (a file of ids or all), or the
// items similar to an item, of a saved model.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../node/model-file.js';
import { num, parse, str, UsageError } from './args.js';
import { MODEL_FLAGS, modelPath, openModel } from './model-flag.js';
import { progressBar } from './progress.js';
import { csvField } from './csv.js';
import type { ALS, RecommendOptions } from '../model/als.js';
import type { Io } from './io.js';

export const RECOMMEND_HELP = `untrain-als recommend — the best items for users of a saved model

Usage: untrain-als recommend --model <file.uals> (--user <id> | --users <file|all> [--out recs.csv|recs.jsonl]
                             | --similar <item>) [-n 10] [--include-seen] [--filter-items a,b] [--items a,b] [--json]

  --model <file>       a model written by 'untrain-als train --out'
  --user <id>          one user's external id, as in the training data
  --users <file|all>   many users: a file with one user id per line (the first field of a CSV line;
                       a header "user…" is skipped), or all for every user; scored in batches by the
                       threaded kernel. Output: CSV "user,rank,item,score" or JSON lines
                       {"user", "items": [{"item", "score"}]}, by the --out file's extension; on
                       stdout (JSON lines, batch by batch) without --out. A user with no training
                       pair left gets no line in CSV and "items": [] in JSON lines
  --out <file>         where --users writes (.csv or .jsonl), atomically once complete
  -n, --n <count>      how many items (default 10)
  --include-seen       also rank items the user interacted with in training (skipped by default)
  --filter-items <ids> never recommend these items (comma-separated ids)
  --items <ids>        rank only these items (comma-separated ids: the candidates)
  --similar <item>     instead: items most similar to this item (cosine of item factors)
  --backend <b>        kernel backend (default: the one saved with the model)
  --threads <n>        threads for the kernels (default: every core; same results on any number)
  --json               print one JSON object (--user, --similar)
  --help               this text
`;

const FLAGS = {
  ...MODEL_FLAGS, user: { type: 'string' }, users: { type: 'string' }, out: { type: 'string' }, n: { type: 'string', short: 'n' },
  'include-seen': { type: 'boolean' }, similar: { type: 'string' }, 'filter-items': { type: 'string' }, items: { type: 'string' },
} as const;

const list = (raw: string | undefined): string[] | undefined => (raw === undefined ? undefined : raw.split(',').map((s) => s.trim()).filter(Boolean));

export async function recommendCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(RECOMMEND_HELP), 0;
  modelPath(v);
  const user = str(v, 'user');
  const users = str(v, 'users');
  const similar = str(v, 'similar');
  if ([user, users, similar].filter((x) => x !== undefined).length !== 1) {
    throw new UsageError('give exactly one of --user <id>, --users <file|all> or --similar <item>');
  }
  const out = str(v, 'out');
  if (out !== undefined && users === undefined) throw new UsageError('--out goes with --users');
  if (out !== undefined && !/\.(csv|jsonl)$/i.test(out)) throw new UsageError(`--out ${JSON.stringify(out)}: expected a .csv or .jsonl file`);
  const n = num(v, 'n', { int: true, min: 1 }) ?? 10;
  const opts: RecommendOptions = { filterSeen: !v['include-seen'], filterItems: list(str(v, 'filter-items')), items: list(str(v, 'items')) };
  const model = await openModel(v);
  if (users !== undefined) return recommendUsers(model, users, out, n, opts, io, Boolean(v.json));
  const items = user !== undefined ? model.recommend(user, n, opts) : model.similarItems(similar!, n, { filter: opts.filterItems, among: opts.items });
  // a user whose every training pair was forgotten has factor 0: all scores 0 rank nothing
  const reason = user !== undefined && items.length === 0
    ? `user ${user} has no training interactions left (all forgotten): nothing to rank from` : undefined;
  const r = user !== undefined ? { user, items, ...(reason ? { reason } : {}) } : { item: similar, items };
  if (v.json) io.json(r);
  else if (reason) io.out(`no recommendations: ${reason}\n`);
  else {
    io.out(`${user !== undefined ? `top ${n} for user ${user}` : `most similar to item ${similar}`}:\n`);
    items.forEach((e, t) => io.out(`${String(t + 1).padStart(3)}. ${e.item.padEnd(12)} ${e.score.toFixed(4)}\n`));
  }
  return 0;
}

async function userList(model: ALS, spec: string): Promise<string[]> {
  if (spec === 'all') return model.userIds.ids.slice();
  let text: string;
  try {
    text = await readFile(spec, 'utf8');
  } catch (err) {
    throw new UsageError(`--users ${JSON.stringify(spec)}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const ids = text.split(/\r?\n/).map((l) => l.split(/[,\t;]/)[0]!.trim().replace(/^"(.*)"$/, '$1')).filter(Boolean);
  if (ids.length && /^user/i.test(ids[0]!) && model.userIds.get(ids[0]!) === undefined) ids.shift();
  if (ids.length === 0) throw new UsageError(`--users ${spec}: no user ids in the file`);
  return ids;
}

async function recommendUsers(
  model: ALS, spec: string, out: string | undefined, n: number, opts: RecommendOptions, io: Io, json: boolean,
): Promise<number> {
  const ids = await userList(model, spec);
  for (const id of ids) model.userIndex(id); // unknown ids fail before any output
  const csv = out !== undefined && /\.csv$/i.test(out);
  const chunks: string[] = csv ? ['user,rank,item,score\n'] : [];
  const bar = progressBar('recommend', ids.length, !json || out !== undefined);
  const BATCH = 2048;
  let lines = 0;
  for (let b0 = 0; b0 < ids.length; b0 += BATCH) {
    const part = ids.slice(b0, b0 + BATCH);
    const r = model.recommendMany(part, n, opts);
    let text = '';
    part.forEach((u, row) => {
      const items: Array<{ item: string; score: number }> = [];
      for (let t = 0; t < n; t++) {
        const j = r.items[row * n + t];
        if (j < 0) break;
        items.push({ item: r.itemId(j), score: r.scores[row * n + t] });
      }
      if (csv) items.forEach((e, t) => (text += `${csvField(u)},${t + 1},${csvField(e.item)},${e.score}\n`));
      else text += JSON.stringify({ user: u, items }) + '\n';
      lines++;
    });
    if (out === undefined) io.out(text);
    else chunks.push(text);
    bar.tick(Math.min(ids.length, b0 + BATCH));
  }
  bar.done();
  if (out !== undefined) {
    await writeFileAtomic(out, new TextEncoder().encode(chunks.join('')));
    io.err(`recommend: ${lines} users, top ${n}, written to ${out}\n`);
  }
  return 0;
}

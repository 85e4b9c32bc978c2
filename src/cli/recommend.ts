// `untrain-als recommend`: top-N items for one user of a saved model.
import { num, parse, str, UsageError } from './args.js';
import { MODEL_FLAGS, modelPath, openModel } from './model-flag.js';
import type { Io } from './io.js';

export const RECOMMEND_HELP = `untrain-als recommend — the best items for a user of a saved model

Usage: untrain-als recommend --model <file.uals> --user <id> [-n 10] [--include-seen] [--json]

  --model <file>     a model written by 'untrain-als train --out'
  --user <id>        the user's external id, as in the training data
  -n, --n <count>    how many items (default 10)
  --include-seen     also rank items the user interacted with in training (skipped by default)
  --similar <item>   instead: items most similar to this item (cosine of item factors)
  --backend <b>      kernel backend (default: the one saved with the model)
  --threads <n>      threads for the kernels (default: every core; same results on any number)
  --json             print one JSON object
  --help             this text
`;

const FLAGS = {
  ...MODEL_FLAGS, user: { type: 'string' }, n: { type: 'string', short: 'n' },
  'include-seen': { type: 'boolean' }, similar: { type: 'string' },
} as const;

export async function recommendCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(RECOMMEND_HELP), 0;
  modelPath(v);
  const user = str(v, 'user');
  const similar = str(v, 'similar');
  if ((user === undefined) === (similar === undefined)) throw new UsageError('give exactly one of --user <id> or --similar <item>');
  const n = num(v, 'n', { int: true, min: 1 }) ?? 10;
  const model = await openModel(v);
  const items = user !== undefined
    ? model.recommend(user, n, { filterSeen: !v['include-seen'] })
    : model.similarItems(similar!, n);
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

// The removal set of `forget` and `retrain`: pairs from a file, a seeded uniform sample of the
// model's training pairs (the paper's removal set; same seed, same set in both commands), or whole
// users and items.
import { readInteractionsFile } from '../node/files.js';
import type { ALS } from '../model/als.js';
import { sampleTrainingPairs, type Pair } from '../model/forget.js';
import { num, str, UsageError } from './args.js';

export const REMOVAL_FLAGS = {
  pairs: { type: 'string' }, fraction: { type: 'string' }, seed: { type: 'string' },
  user: { type: 'string', multiple: true }, item: { type: 'string', multiple: true },
} as const;

export const REMOVAL_HELP = `  --pairs <file>      pairs to forget: user,item per line (CSV/TSV, header optional; any data format)
  --fraction <f>      or: this fraction of the training pairs, uniformly without replacement
  --seed <n>          seed of the --fraction sample (default 0)
  --user <id>         or: a whole user (every training and held-out pair, then the user itself:
                      its id and factor row leave the model); repeatable
  --item <id>         or: a whole item, likewise; repeatable (combines with --user)`;

/** Pairs to forget, or whole users and items. */
export type Removal = { pairs: Pair[] } | { users: string[]; items: string[] };

export async function removalSet(v: Record<string, unknown>, model: ALS, required: boolean): Promise<Removal | undefined> {
  const file = str(v, 'pairs');
  const fraction = num(v, 'fraction', { min: 0, max: 1 });
  const users = (v.user as string[] | undefined) ?? [];
  const items = (v.item as string[] | undefined) ?? [];
  const given = [file !== undefined, fraction !== undefined, users.length + items.length > 0].filter(Boolean).length;
  if (given > 1) throw new UsageError('give one of --pairs, --fraction or --user/--item');
  if (file !== undefined) {
    const raw = await readInteractionsFile(file);
    const pairs = raw.users.map((u, t) => [u, raw.items[t]] as const);
    if (pairs.length === 0) throw new UsageError(`${file}: the removal set is empty`);
    return { pairs };
  }
  if (fraction !== undefined) {
    if (fraction === 0) throw new UsageError('--fraction "0": expected a number > 0');
    const pairs = sampleTrainingPairs(model, fraction, num(v, 'seed', { int: true, min: 0 }) ?? 0);
    if (pairs.length === 0) throw new UsageError(`--fraction ${fraction} of ${model.trainRows.indptr[model.nUsers]} pairs rounds to no pair`);
    return { pairs };
  }
  if (users.length + items.length > 0) return { users, items };
  if (required) throw new UsageError('give what to forget: --pairs <file>, --fraction <f>, or --user/--item <id>');
  return undefined;
}

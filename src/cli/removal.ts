// The removal set of `forget` and `retrain`: pairs from a file, or a seeded uniform sample of the
// model's training pairs (the paper's removal set; same seed, same set in both commands).
import { readInteractionsFile } from '../node/files.js';
import type { ALS } from '../model/als.js';
import { sampleTrainingPairs, type Pair } from '../model/forget.js';
import { num, str, UsageError } from './args.js';

export const REMOVAL_FLAGS = {
  pairs: { type: 'string' }, fraction: { type: 'string' }, seed: { type: 'string' },
} as const;

export const REMOVAL_HELP = `  --pairs <file>      pairs to forget: user,item per line (CSV/TSV, header optional; any data format)
  --fraction <f>      or: this fraction of the training pairs, uniformly without replacement
  --seed <n>          seed of the --fraction sample (default 0)`;

export async function removalSet(v: Record<string, unknown>, model: ALS, required: boolean): Promise<Pair[] | undefined> {
  const file = str(v, 'pairs');
  const fraction = num(v, 'fraction', { min: 0, max: 1 });
  if (file !== undefined && fraction !== undefined) throw new UsageError('give either --pairs or --fraction, not both');
  if (file !== undefined) {
    const raw = await readInteractionsFile(file);
    return raw.users.map((u, t) => [u, raw.items[t]] as const);
  }
  if (fraction !== undefined) {
    if (fraction === 0) throw new UsageError('--fraction "0": expected a number > 0');
    return sampleTrainingPairs(model, fraction, num(v, 'seed', { int: true, min: 0 }) ?? 0);
  }
  if (required) throw new UsageError('give the pairs to forget: --pairs <file> or --fraction <f>');
  return undefined;
}

// Loading the data a command works on: a file (any supported format) or the seeded synthetic default.
import { readInteractionsFile } from '../node/files.js';
import { prepareDataset, type Dataset } from '../data/dataset.js';
import { synthetic } from '../data/synthetic.js';
import type { Format } from '../data/parse.js';
import type { DuplicateRule } from '../data/interactions.js';

export interface DataFlags {
  data?: string;
  format?: Format;
  threshold?: number;
  duplicates?: DuplicateRule;
  holdout: number;
  seed: number;
}

export async function loadDataset(f: DataFlags): Promise<Dataset & { source: string }> {
  const raw = f.data ? await readInteractionsFile(f.data, { format: f.format }) : synthetic({ seed: f.seed });
  const ds = prepareDataset(raw, { threshold: f.threshold, duplicates: f.duplicates, holdout: f.holdout, seed: f.seed, source: f.data });
  return { ...ds, source: f.data ?? `synthetic (seed ${f.seed})` };
}

export const DATA_HELP = `  --data <file>         interactions file (u.data, ratings.dat, ratings.csv, user,item[,value] CSV/TSV,
                        optionally .gz); default: the built-in seeded synthetic data
  --format <f>          auto (default), ml100k, ml1m, mllatest, delimited
  --threshold <v>       keep only interactions whose value is ≥ v (default: keep all)
  --duplicates <rule>   repeated (user, item) records: max (default: the largest value, latest
                        timestamp), last, sum (natural for counts), error
  --holdout <f>         fraction of interactions held out for validation AUC (default 0.01; 0 with --test)
  --test <file>         held-out pairs of your own (a benchmark's test split, external ids, any
                        format) instead of a random hold-out; pairs of users or items not in the
                        training data, and training pairs, are left out and counted
  --seed <n>            seed of the split, the synthetic data and the factor start (default 0)`;

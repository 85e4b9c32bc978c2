// From parsed interactions to what a model trains on: id maps, a seeded train/test split.
import { DataError } from './errors.js';
import { buildInteractions, holdoutSplit, type Csr, type DuplicateRule, type IdMap } from './interactions.js';
import type { RawInteractions } from './parse.js';
import type { InteractionArrays, Interactions } from './interactions.js';

export interface Dataset {
  users: IdMap;
  items: IdMap;
  /** All kept interactions, before the split. */
  interactions: number;
  train: Csr;
  test?: Csr;
}

export interface DatasetOptions {
  /** Keep only interactions whose value is ≥ threshold. */
  threshold?: number;
  /** What repeated (user, item) records become (see `buildInteractions`; default 'max'). */
  duplicates?: DuplicateRule;
  /** Fraction held out for validation (0 = none). Default 0.01, as in the paper. */
  holdout?: number;
  seed?: number;
  /** Name of the input, for error messages. */
  source?: string;
}

/** `raw`: parsed records, or ready Interactions (e.g. from `synthetic`), used as they are. */
export function prepareDataset(raw: RawInteractions | InteractionArrays | Interactions, opts: DatasetOptions = {}): Dataset {
  const holdout = opts.holdout ?? 0.01;
  if (!(holdout >= 0 && holdout < 1)) {
    throw new DataError(`hold-out fraction ${holdout} is out of range; expected a number in [0, 1)`, { file: opts.source });
  }
  const inter = 'csr' in raw ? raw : buildInteractions(raw, { threshold: opts.threshold, duplicates: opts.duplicates });
  const nnz = inter.csr.indptr[inter.csr.rows];
  if (holdout === 0) return { users: inter.users, items: inter.items, interactions: nnz, train: inter.csr };
  const { train, test } = holdoutSplit(inter.csr, holdout, opts.seed ?? 0);
  return { users: inter.users, items: inter.items, interactions: nnz, train, test };
}

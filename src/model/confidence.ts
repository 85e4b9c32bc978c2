// From the values of the training pairs (ratings, play counts, minutes) to their confidences, as
// Hu, Koren & Volinsky (2008, section 4) propose: c = 1 + α·v, or c = 1 + α·log(1 + v/ε) when a
// few huge counts would otherwise dominate. 'binary' keeps c = 1 + α for every stored pair.
import { DataError } from '../data/errors.js';
import type { IdMap } from '../data/interactions.js';
import type { AlsOptions } from './options.js';
import type { PairRows } from './training-pairs.js';

/**
 * The confidence of each stored pair of `train` (aligned with its indices), or undefined for
 * 'binary' (one confidence for all). A negative or non-finite value under 'linear' or 'log' is an
 * error that names the pair and the value (drop such pairs with a threshold first).
 */
export function confidences(
  train: PairRows & { values?: ArrayLike<number> }, users: IdMap, items: IdMap,
  o: Pick<AlsOptions, 'confidence' | 'alpha' | 'epsilon'>,
): Float32Array | undefined {
  if (o.confidence === 'binary') return undefined;
  const nnz = train.indptr[train.rows];
  const v = train.values;
  if (!v || v.length < nnz) {
    throw new DataError(`confidence '${o.confidence}' needs a value for every training pair, and the data has none`, {
      expected: "a value column (user,item,value), or confidence 'binary'",
    });
  }
  const out = new Float32Array(nnz);
  let u = 0;
  for (let p = 0; p < nnz; p++) {
    const x = v[p];
    if (!(x >= 0 && x < Infinity)) {
      while (train.indptr[u + 1] <= p) u++;
      throw new DataError(`value ${x} of user "${users.id(u)}", item "${items.id(train.indices[p])}" cannot be a confidence`, {
        expected: `a finite value ≥ 0 under confidence '${o.confidence}' (drop other pairs with --threshold)`,
      });
    }
    out[p] = confidenceOf(x, o);
  }
  return out;
}

/** The confidence of one stored pair with value v (finite, ≥ 0) under the options' rule. */
export function confidenceOf(v: number, o: Pick<AlsOptions, 'confidence' | 'alpha' | 'epsilon'>): number {
  return o.confidence === 'binary' ? 1 + o.alpha : o.confidence === 'linear' ? 1 + o.alpha * v : 1 + o.alpha * Math.log1p(v / o.epsilon);
}

// Models of Python's `implicit` library (AlternatingLeastSquares.save(): an .npz of user_factors,
// item_factors and the hyper-parameters as 0-d arrays) in and out. `implicit` stores no ids and no
// interactions, so an import takes both: the ids in row order and the interactions the model was
// fitted on (forgetting and certificates need them).
//
// Confidence: `implicit` uses c = α·v as the confidence of a stored pair with value v (its user ×
// item matrix holds v), where this package has c = 1 + α'·(…). The import keeps `implicit`'s
// confidences exactly, per pair (c = α·v), and sets α' = α − 1, so that a pair of value 1 — the
// usual implicit matrix — has the same c = 1 + α' = α under either convention. The export writes
// α = α' + 1.
import { DataError } from '../data/errors.js';
import { csrFromKeys, IdMap } from '../data/interactions.js';
import { readNpy, readZip, writeNpy, writeZip, type NpyArray } from '../data/npz.js';
import { ALS } from './als.js';
import type { AlsOptions } from './options.js';

export interface ImplicitImport {
  /** The npz bytes `implicit`'s save() wrote. */
  npz: Uint8Array;
  /** External user and item ids in the factors' row order. */
  userIds: readonly string[];
  itemIds: readonly string[];
  /** The interactions it was fitted on, by external id (a value per record; repeats are summed, as scipy does). */
  interactions: { users: readonly string[]; items: readonly string[]; values?: ArrayLike<number> };
  backend?: AlsOptions['backend'];
  threads?: number;
  source?: string;
}

export interface ImplicitImportResult {
  model: ALS;
  /** How the hyper-parameters and confidences were mapped (one line). */
  note: string;
}

function scalar(arrays: Map<string, NpyArray>, name: string, source: string): number {
  const a = arrays.get(name);
  if (!a) throw new DataError(`${source}: no ${name}.npy`, { expected: "an npz written by implicit's AlternatingLeastSquares.save()" });
  return Array.isArray(a.data) ? a.data[0] : typeof a.data === 'string' ? NaN : a.data[0];
}

export async function importImplicit(o: ImplicitImport): Promise<ImplicitImportResult> {
  const source = o.source ?? 'model.npz';
  const files = await readZip(o.npz, source);
  const arrays = new Map<string, NpyArray>();
  for (const [name, bytes] of files) arrays.set(name.replace(/\.npy$/, ''), readNpy(bytes, `${source}:${name}`));
  const X = arrays.get('user_factors');
  const Y = arrays.get('item_factors');
  if (!X || !Y || X.shape.length !== 2 || Y.shape.length !== 2 || X.descr !== '<f4' && X.descr !== '<f8') {
    throw new DataError(`${source}: no user_factors/item_factors matrices`, { expected: "an npz written by implicit's AlternatingLeastSquares.save()" });
  }
  const [nu, k] = X.shape;
  const [ni, k2] = Y.shape;
  if (k !== k2) throw new DataError(`${source}: user factors have ${k} columns, item factors ${k2}`, { expected: 'the same factor count' });
  if (o.userIds.length !== nu || o.itemIds.length !== ni) {
    throw new DataError(`${source}: ${nu} users × ${ni} items in the model, ${o.userIds.length} × ${o.itemIds.length} ids given`, {
      expected: 'one id per factor row, in row order',
    });
  }
  const users = new IdMap(o.userIds);
  const items = new IdMap(o.itemIds);
  const alpha = scalar(arrays, 'alpha', source);
  const regularization = scalar(arrays, 'regularization', source);
  const useCg = arrays.has('use_cg') ? Boolean(scalar(arrays, 'use_cg', source)) : true;
  // the interactions in row order, repeats summed, sorted within each user
  const { users: us, items: is, values } = o.interactions;
  const keys = new Map<number, number>();
  for (let t = 0; t < us.length; t++) {
    const u = users.get(us[t]);
    const i = items.get(is[t]);
    if (u === undefined || i === undefined) {
      throw new DataError(`interaction ${t + 1}: ${u === undefined ? `user "${us[t]}"` : `item "${is[t]}"`} is not in the id list`, {
        expected: 'interactions of the users and items of the model',
      });
    }
    const key = u * ni + i;
    keys.set(key, (keys.get(key) ?? 0) + (values ? Number(values[t]) : 1));
  }
  const sorted = Array.from(keys.keys()).sort((a, b) => a - b);
  const { indptr, indices } = csrFromKeys(sorted, nu, ni);
  const confidence = Float32Array.from(sorted, (key) => alpha * keys.get(key)!);
  const model = await ALS.create({
    factors: k, regularization, alpha: alpha - 1, solver: useCg ? 'cg' : 'cholesky',
    cgSteps: arrays.has('cg_steps') ? scalar(arrays, 'cg_steps', source) : 3,
    seed: arrays.has('random_state') ? Math.max(0, scalar(arrays, 'random_state', source) | 0) : 0,
    backend: o.backend, threads: o.threads,
  });
  model.setData({ users, items, train: { rows: nu, cols: ni, indptr, indices } }, confidence);
  model.setFactors(X.data as ArrayLike<number>, Y.data as ArrayLike<number>);
  model.fitResidual = model.certificate().residual;
  const note = `implicit's confidence c = α·v (α ${alpha}) kept per pair; α' = α − 1 = ${alpha - 1} (c = 1 + α' for a pair of value 1); ` +
    `λ ${regularization}, ${k} factors, ${useCg ? 'CG' : 'Cholesky'}; certificate of the imported factors ${model.fitResidual.toExponential(2)}`;
  return { model, note };
}

/** An npz that implicit's AlternatingLeastSquares.load() reads, and the ids in row order. */
export function exportImplicit(model: ALS): { npz: Uint8Array; userIds: string[]; itemIds: string[] } {
  const o = model.options;
  const i8 = (v: number): NpyArray => ({ descr: '<i8', shape: [], data: [v] });
  const f8 = (v: number): NpyArray => ({ descr: '<f8', shape: [], data: Float64Array.of(v) });
  const b1 = (v: boolean): NpyArray => ({ descr: '|b1', shape: [], data: Uint8Array.of(v ? 1 : 0) });
  const arrays: Array<[string, NpyArray]> = [
    ['user_factors', { descr: '<f4', shape: [model.nUsers, model.k], data: model.userFactors.slice() }],
    ['item_factors', { descr: '<f4', shape: [model.nItems, model.k], data: model.itemFactors.slice() }],
    ['regularization', f8(o.regularization)],
    ['factors', i8(o.factors)],
    ['num_threads', i8(0)],
    ['iterations', i8(o.iterations)],
    ['use_native', b1(true)],
    ['use_cg', b1(o.solver === 'cg')],
    ['cg_steps', i8(o.cgSteps)],
    ['calculate_training_loss', b1(false)],
    ['dtype', { descr: '<U7', shape: [], data: 'float32' }],
    ['random_state', i8(o.seed)],
    ['alpha', f8(o.alpha + 1)],
  ];
  return {
    npz: writeZip(arrays.map(([name, a]) => [`${name}.npy`, writeNpy(a)] as const)),
    userIds: model.userIds.ids.slice(),
    itemIds: model.itemIds.ids.slice(),
  };
}

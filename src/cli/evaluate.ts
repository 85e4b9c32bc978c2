// `untrain-als evaluate`: AUC and ranking metrics of a saved model on its held-out pairs.
import { num, parse, UsageError } from './args.js';
import { MODEL_FLAGS, modelPath, openModel } from './model-flag.js';
import type { Io } from './io.js';

export const EVALUATE_HELP = `untrain-als evaluate — validation metrics of a saved model on its held-out pairs

Usage: untrain-als evaluate --model <file.uals> [-k 10] [--backend auto|wasm|js] [--json]

  --model <file>    a model written by 'untrain-als train --out'
  -k, --k <n>       cut-off of precision@K, MAP@K, nDCG@K (default 10)
  --backend <b>     kernel backend (default: the one saved with the model)
  --threads <n>     threads for the kernels (default: every core; same results on any number)
  --json            print one JSON object
  --help            this text

AUC: for every held-out pair (u, i), the fraction of items u never interacted with (train or test)
scored below i (ties ½), averaged over pairs ('auc') and per user first ('userAuc'). Exact, over all items.
precision/MAP/nDCG@K follow the definitions of the implicit library's ranking_metrics_at_k.
`;

const FLAGS = { ...MODEL_FLAGS, k: { type: 'string', short: 'k' } } as const;

export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(EVALUATE_HELP), 0;
  const path = modelPath(v);
  const K = num(v, 'k', { int: true, min: 1 }) ?? 10;
  const model = await openModel(v);
  const test = model.testRows;
  if (!test) throw new UsageError(`${path}: the model was trained without a hold-out set; nothing to evaluate`);
  const t = performance.now();
  const auc = model.auc();
  const rank = model.rankingMetrics(K);
  const r = {
    model: path,
    backend: model.backend,
    users: model.nUsers,
    items: model.nItems,
    train: model.trainRows.indptr[model.nUsers],
    test: auc.pairs,
    auc: auc.auc,
    userAuc: auc.userAuc,
    k: K,
    precision: rank.precision,
    map: rank.map,
    ndcg: rank.ndcg,
    residual: model.certificate().residual,
    threads: model.threads,
    seconds: (performance.now() - t) / 1000,
  };
  if (v.json) io.json(r);
  else {
    io.out(
      `model      ${path} (${r.users} users, ${r.items} items, ${r.train} train pairs, ${r.test} held out)\n` +
      `AUC        ${r.auc.toFixed(4)} (per-user mean ${r.userAuc.toFixed(4)})\n` +
      `@${K}        precision ${r.precision.toFixed(4)}, MAP ${r.map.toFixed(4)}, nDCG ${r.ndcg.toFixed(4)}\n` +
      `residual   ${r.residual.toExponential(2)}\n`,
    );
  }
  return 0;
}

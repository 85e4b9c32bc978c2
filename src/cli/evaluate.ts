// `untrain-als evaluate`: AUC and ranking metrics of a saved model on its held-out pairs.
import { num, parse, str, UsageError } from './args.js';
import { readInteractionsFile } from '../node/files.js';
import { MODEL_FLAGS, modelPath, openModel } from './model-flag.js';
import type { Io } from './io.js';

export const EVALUATE_HELP = `untrain-als evaluate — validation metrics of a saved model on its held-out pairs

Usage: untrain-als evaluate --model <file.uals> [--test <pairs>] [-k 10] [--backend auto|wasm|js] [--json]

  --model <file>    a model written by 'untrain-als train --out'
  --test <file>     score these held-out pairs (external ids, any data format: a benchmark's own
                    test split) instead of the model's hold-out; pairs of unknown users or items
                    and pairs the model trained on are left out and counted
  -k, --k <n>       cut-off of precision@K, MAP@K, nDCG@K, HR@K, recall@K (default 10)
  --backend <b>     kernel backend (default: the one saved with the model)
  --threads <n>     threads for the kernels (default: every core; same results on any number)
  --json            print one JSON object
  --help            this text

AUC: for every held-out pair (u, i), the fraction of items u never interacted with (train or test)
scored below i (ties ½), averaged over pairs ('auc') and per user first ('userAuc'). Exact, over all items.
precision/MAP/nDCG@K follow the definitions of the implicit library's ranking_metrics_at_k (nDCG's
ideal over min(K, |held-out items|)); HR@K is the share of users with a held-out item in their top K,
recall@K the mean share of each user's held-out items in the top K.
`;

const FLAGS = { ...MODEL_FLAGS, k: { type: 'string', short: 'k' }, test: { type: 'string' } } as const;

export async function evaluateCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(EVALUATE_HELP), 0;
  const path = modelPath(v);
  const K = num(v, 'k', { int: true, min: 1 }) ?? 10;
  const model = await openModel(v);
  const file = str(v, 'test');
  let given: ReturnType<typeof model.pairsByIds> | undefined;
  if (file !== undefined) {
    const raw = await readInteractionsFile(file);
    given = model.pairsByIds(raw.users.map((u, t) => [u, raw.items[t]] as const));
    if (given.kept === 0) throw new UsageError(`${file}: none of its ${raw.users.length} pairs can be scored (${given.unknown} of unknown users or items, ${given.inTraining} trained on)`);
  }
  const test = given?.rows ?? model.testRows;
  if (!test) throw new UsageError(`${path}: the model was trained without a hold-out set; give --test <pairs> to evaluate`);
  const t = performance.now();
  const auc = model.auc(test);
  const rank = model.rankingMetrics(K, test);
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
    hr: rank.hr,
    recall: rank.recall,
    testFile: file ?? null,
    skipped: given ? { unknown: given.unknown, inTraining: given.inTraining, repeated: given.repeated } : null,
    residual: model.certificate().residual,
    threads: model.threads,
    seconds: (performance.now() - t) / 1000,
  };
  if (v.json) io.json(r);
  else {
    io.out(
      `model      ${path} (${r.users} users, ${r.items} items, ${r.train} train pairs, ${r.test} held out)\n` +
      `AUC        ${r.auc.toFixed(4)} (per-user mean ${r.userAuc.toFixed(4)})\n` +
      `@${K}        precision ${r.precision.toFixed(4)}, MAP ${r.map.toFixed(4)}, nDCG ${r.ndcg.toFixed(4)}, HR ${r.hr.toFixed(4)}, recall ${r.recall.toFixed(4)}\n` +
      (r.skipped ? `test file  ${file}: ${r.test} pairs scored; left out ${r.skipped.unknown} of unknown users or items, ${r.skipped.inTraining} trained on, ${r.skipped.repeated} repeated\n` : '') +
      `residual   ${r.residual.toExponential(2)}\n`,
    );
  }
  return 0;
}

// `untrain-als experiment`: the paper's evaluation and the scenarios past it, written as
// results.json, CSV per figure and a self-contained report.html.
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { AUDIT_TOL, runExperiment } from '../audit/experiment.js';
import { checkCharting, curvesCsv, renderReport, summaryCsv } from '../audit/report.js';
import { SCENARIOS, type Scenario } from '../audit/scenarios.js';
import { buildInteractions } from '../data/interactions.js';
import { FORMATS } from '../data/parse.js';
import { synthetic } from '../data/synthetic.js';
import { readInteractionsFile } from '../node/files.js';
import { makeDirs } from '../node/make-dirs.js';
import { writeFileAtomic } from '../node/model-file.js';
import { num, oneOf, parse, str, UsageError } from './args.js';
import { progressBar } from './progress.js';
import { modelFlags } from './train.js';
import type { Io } from './io.js';

export const EXPERIMENT_HELP = `untrain-als experiment — untrain vs retrain, membership inference, V and V′, KS tests, HTML report

Usage: untrain-als experiment [--data <file>] [--fractions 0.05,0.1,…] [--scenarios uniform[,user,item,popular,recent]]
                              [--runs 5] [--factors 64] [--reg 50] [--alpha 40] [--solver cg|cholesky]
                              [--iterations 300] [--tol 1e-4] [--base-tol 5e-5] [--max-passes 300] [--out dir] [--json]

  --data <file>       interactions file (default: the built-in synthetic data); --format as in train
  --fractions <list>  removal fractions (default 0.05 steps up to 0.6)
  --scenarios <list>  uniform (the paper's), user (whole histories), item (all of an item),
                      popular (popularity-biased), recent (latest interactions of users), or all
                      (default: uniform; each scenario adds one untrain/retrain/audit per fraction and run)
  --runs <R>          runs (seeds 0..R−1: split, start and removal sets) (default 5)
  --tol <T>           untrain and retrain until the certificate (relative residual of the retrain
                      objective's normal equations) is at most T (default 1e-4; looser leaves memory)
  --base-tol <T>      train each run's base model to this certificate (default --tol / 2: tighter than
                      the untrain target, so untrain passes count forgetting, not finishing training)
  --max-passes <n>    untrain and retrain passes at most (default 300)
  --out <dir>         where results.json, the CSVs and report.html go (default: ./experiment)
  --json              print the summary JSON object
  --help              this text
Model flags (--factors, --reg, --alpha, --solver, --cg-steps, --iterations, --backend, --threads) as in 'train'.
`;

const FLAGS = {
  data: { type: 'string' }, format: { type: 'string' }, fractions: { type: 'string' }, scenarios: { type: 'string' },
  runs: { type: 'string' }, 'max-passes': { type: 'string' }, tol: { type: 'string' }, 'base-tol': { type: 'string' }, out: { type: 'string' },
  factors: { type: 'string' }, reg: { type: 'string' }, alpha: { type: 'string' }, iterations: { type: 'string' },
  solver: { type: 'string' }, 'cg-steps': { type: 'string' }, backend: { type: 'string' }, seed: { type: 'string' },
  threads: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' },
} as const;

/** A 95% interval, or "[n/a]" when one run leaves it undefined. */
function interval(ci: [number, number]): string {
  return Number.isFinite(ci[0]) ? `[${ci[0].toFixed(3)}, ${ci[1].toFixed(3)}]` : '[n/a: one run]';
}

function list(raw: string | undefined, what: string): string[] | undefined {
  if (raw === undefined) return undefined;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  if (!items.length) throw new UsageError(`--${what} ${JSON.stringify(raw)}: expected a comma-separated list`);
  return items;
}

export async function experimentCommand(argv: string[], io: Io): Promise<number> {
  const v = parse(argv, FLAGS);
  if (v.help) return io.out(EXPERIMENT_HELP), 0;
  const fractions = (list(str(v, 'fractions'), 'fractions') ?? Array.from({ length: 12 }, (_, i) => String((i + 1) * 0.05)))
    .map((f) => {
      const x = Number(f);
      if (!(x > 0 && x < 1)) throw new UsageError(`--fractions: ${JSON.stringify(f)} is not a fraction in (0, 1)`);
      return Math.round(x * 1e6) / 1e6;
    });
  const repeated = fractions.find((f, t) => fractions.indexOf(f) !== t);
  if (repeated !== undefined) throw new UsageError(`--fractions: ${repeated} is given twice (each fraction is one row of the report; use --runs for more runs)`);
  const asked = list(str(v, 'scenarios'), 'scenarios');
  const scenarios = (asked?.length === 1 && asked[0] === 'all' ? [...SCENARIOS] : asked ?? ['uniform']).map((s) => {
    if (!SCENARIOS.includes(s as Scenario)) throw new UsageError(`--scenarios: ${JSON.stringify(s)}; expected some of ${SCENARIOS.join(', ')}`);
    return s as Scenario;
  });
  const runs = num(v, 'runs', { int: true, min: 1 }) ?? 5;
  const maxPasses = num(v, 'max-passes', { int: true, min: 1 }) ?? 300;
  const tol = num(v, 'tol', { min: 0 }) ?? AUDIT_TOL;
  const outDir = str(v, 'out') ?? 'experiment';
  const model = modelFlags(v);
  // everything that can fail fast does, before minutes of work: the charts' packages, the folder
  await checkCharting();
  try {
    await makeDirs(outDir);
    await access(outDir, constants.W_OK);
  } catch (err) {
    throw new UsageError(`--out ${JSON.stringify(outDir)}: cannot write there (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const file = str(v, 'data');
  const data = file
    ? buildInteractions(await readInteractionsFile(file, { format: oneOf(v, 'format', FORMATS) }))
    : synthetic({ seed: 0 });
  const json = Boolean(v.json);
  const bar = progressBar('experiment', runs * scenarios.length * fractions.length, !json);
  const results = await runExperiment(data, file ?? 'synthetic (seed 0)', {
    model, fractions, scenarios, runs, maxPasses, tol, baseTol: num(v, 'base-tol', { min: 0 }),
    onCell: (d, total, note) => {
      bar.tick(d, note);
      // a log, not a terminal: one line per cell, so that minutes of work are not silent
      if (!process.stderr.isTTY) io.err(`experiment: ${d}/${total} ${note}\n`);
    },
  });
  bar.done();
  const enc = new TextEncoder();
  const write = (name: string, text: string): Promise<void> => writeFileAtomic(join(outDir, name), enc.encode(text));
  await write('results.json', JSON.stringify(results, null, 2) + '\n');
  await write('summary.csv', summaryCsv(results.summary));
  await write('retrain-curves.csv', curvesCsv(results.retrainCurves));
  await write('untrain-curves.csv', curvesCsv(results.untrainCurves));
  await write('report.html', await renderReport(results));
  if (json) io.json({ out: outDir, meta: results.meta, summary: results.summary });
  else {
    io.out(`wrote ${outDir}/results.json, summary.csv, retrain-curves.csv, untrain-curves.csv, report.html (${results.meta.seconds.toFixed(1)} s)\n`);
    for (const r of results.summary) {
      io.out(`${r.scenario.padEnd(8)} f ${r.fraction.toFixed(2)}: untrain ${r.untrainPasses.toFixed(1)} passes vs retrain ${r.retrainPasses.toFixed(1)}; ` +
        `AUC ${r.aucUntrain.toFixed(4)} vs ${r.aucRetrain.toFixed(4)}; V ${r.V.toFixed(3)} ${interval(r.VCI)}, ` +
        `block ${r.Vblock.toFixed(3)} ${interval(r.VblockCI)}; ` +
        `KS p undeleted ${r.ks.undeleted.pValue.toExponential(1)}, exact ${r.ks.exact.pValue.toExponential(1)}, block ${r.ks.block.pValue.toExponential(1)}\n`);
    }
  }
  return 0;
}

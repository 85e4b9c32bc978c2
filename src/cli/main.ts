// The `untrain-als` command line: dispatches to one thin file per command and turns known errors
// into a one-line message and a non-zero exit code (2 for usage, 1 for everything else).
import { DataError } from '../data/errors.js';
import { ModelFitError, UnknownIdError } from '../model/als.js';
import { OptionError } from '../model/options.js';
import { ModelFileError } from '../model/persist.js';
import { UsageError } from './args.js';
import { demoCommand, DEMO_HELP } from './demo.js';
import { evaluateCommand, EVALUATE_HELP } from './evaluate.js';
import { processIo, type Io } from './io.js';
import { recommendCommand, RECOMMEND_HELP } from './recommend.js';
import { trainCommand, TRAIN_HELP } from './train.js';
import { forgetCommand, FORGET_HELP } from './forget.js';
import { retrainCommand, RETRAIN_HELP } from './retrain.js';
import { experimentCommand, EXPERIMENT_HELP } from './experiment.js';
import { exportCommand, EXPORT_HELP, importCommand, IMPORT_HELP } from './interop.js';
import { learnCommand, LEARN_HELP } from './learn.js';

const COMMANDS: Record<string, { run: (argv: string[], io: Io) => Promise<number>; help: string }> = {
  train: { run: trainCommand, help: TRAIN_HELP },
  evaluate: { run: evaluateCommand, help: EVALUATE_HELP },
  recommend: { run: recommendCommand, help: RECOMMEND_HELP },
  forget: { run: forgetCommand, help: FORGET_HELP },
  retrain: { run: retrainCommand, help: RETRAIN_HELP },
  learn: { run: learnCommand, help: LEARN_HELP },
  experiment: { run: experimentCommand, help: EXPERIMENT_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
  import: { run: importCommand, help: IMPORT_HELP },
  export: { run: exportCommand, help: EXPORT_HELP },
};

export const MAIN_HELP = `untrain-als — implicit-feedback ALS recommenders that can forget

Usage: untrain-als <command> [options]

Commands:
  train       fit a model on a ratings file or the built-in synthetic data
  evaluate    AUC, precision/MAP/nDCG@K of a saved model on its held-out pairs
  recommend   top-N items for a user (or items similar to an item) of a saved model
  forget      make a saved model forget user–item pairs exactly (and prove it)
  retrain     retrain from scratch without a removal set (the baseline)
  learn       add interactions (new users and items too) and bring the model back to stationary
  experiment  untrain vs retrain, membership inference (V, V′), KS tests, HTML report
  demo        a short end-to-end run on synthetic data (what 'npm start' runs)
  import      build a model from an implicit .npz (with its ids and interactions)
  export      write a model as an implicit .npz (and its ids)

Run 'untrain-als <command> --help' for the options of a command.
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    const sub = cmd === 'help' ? COMMANDS[rest[0]] : undefined;
    io.out(sub ? sub.help : MAIN_HELP);
    return cmd ? 0 : 2;
  }
  const command = COMMANDS[cmd];
  if (!command) {
    io.err(`untrain-als: unknown command "${cmd}"; expected one of ${Object.keys(COMMANDS).join(', ')} (see --help)\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`untrain-als ${cmd}: ${err.message} (see 'untrain-als ${cmd} --help')\n`);
      return 2;
    }
    if (err instanceof DataError || err instanceof OptionError || err instanceof ModelFileError ||
      err instanceof UnknownIdError || err instanceof ModelFitError) {
      io.err(`untrain-als ${cmd}: ${err.message}\n`);
      return 1;
    }
    const e = err as Error;
    io.err(`untrain-als ${cmd}: ${e?.message ?? String(err)}\n`);
    if (process.env.UNTRAIN_ALS_DEBUG) io.err(`${e?.stack}\n`);
    return 1;
  }
}

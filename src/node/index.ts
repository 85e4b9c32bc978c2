// Node-only helpers: files in, models in and out; importing them registers Node's worker threads.
import './threads.js';
export { readInteractionsFile } from './files.js';
export { saveModel, loadModel, writeFileAtomic, removeStaleTemps, withFileLock, FileLockTimeoutError } from './model-file.js';
// the errors these helpers throw, so that `instanceof` works from this entry too (the classes are
// the same objects as the main entry's: the Node entries share one module graph)
export { DataError } from '../data/errors.js';
export { ModelFileError } from '../model/persist.js';
export { OptionError } from '../model/options.js';
export { ModelFitError, UnknownIdError } from '../model/errors.js';
export { ALS } from '../model/als.js';

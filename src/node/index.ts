// Node-only helpers: files in, models in and out; importing them registers Node's worker threads.
import './threads.js';
export { readInteractionsFile } from './files.js';
export { saveModel, loadModel, writeFileAtomic, removeStaleTemps, withFileLock } from './model-file.js';

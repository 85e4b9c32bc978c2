// Node-only helpers: files in, models in and out.
export { readInteractionsFile } from './files.js';
export { saveModel, loadModel, writeFileAtomic } from './model-file.js';

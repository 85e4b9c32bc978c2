// The package's entry under Node: the portable API, with Node's worker threads registered so that
// models use every core by default.
import './node/threads.js';

export * from './index.js';

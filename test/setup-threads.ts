// Every test file runs with Node's worker threads registered, as the package does under Node: models
// default to every core, so the threaded kernels are what the suite exercises (test/threads.test.ts
// checks 1, 2 and 4 threads against each other and the one-thread fallback).
import '../src/node/threads.js';

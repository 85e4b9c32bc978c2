// Node's thread host: worker_threads, one per extra thread, unref'd so that they never keep the
// process alive. Importing this module registers it (the Node entry points and the CLI do).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setThreadHost, type ThreadHost, type WorkerLike } from '../kernels/threads.js';

export const nodeThreadHost: ThreadHost = {
  name: 'worker_threads',
  cores: () => availableParallelism(),
  spawn(source: string, init: unknown): WorkerLike {
    const worker = new Worker(
      `${source}\nconst { workerData } = require('node:worker_threads');\n__untrainAlsWorker(workerData);\n`,
      { eval: true, workerData: init },
    );
    worker.unref();
    const handle = {
      error: undefined as unknown,
      terminate: () => worker.terminate(),
    };
    worker.on('error', (e) => {
      handle.error = e;
    });
    return handle;
  },
  canBlock: true,
};

setThreadHost(nodeThreadHost);

// Node's thread host: worker_threads, one per extra thread, unref'd so that they never keep the
// process alive. Importing this module registers it (the Node entry points and the CLI do).
// A worker's program is an ES module at a data: URL, not `eval` code: eval code takes the parent's
// --input-type, so CommonJS code (`require`) crashed under `node --input-type=module` (and ESM on
// stdin); a data: URL is always a module, whatever flags the parent has.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { setThreadHost, type ThreadHost, type WorkerLike } from '../kernels/threads.js';

export const nodeThreadHost: ThreadHost = {
  name: 'worker_threads',
  cores: () => availableParallelism(),
  spawn(source: string, init: unknown): WorkerLike {
    const program = `import { workerData } from 'node:worker_threads';\n${source}\n__untrainAlsWorker(workerData);\n`;
    const worker = new Worker(new URL(`data:text/javascript,${encodeURIComponent(program)}`), { workerData: init });
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

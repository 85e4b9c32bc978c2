// Entry point of the `untrain-als` binary.
import { main } from './cli/main.js';
import { shutdownThreads } from './kernels/wasm.js';
import './node/threads.js';

main(process.argv.slice(2)).then(
  (code) => {
    shutdownThreads();
    process.exitCode = code;
  },
  (err) => {
    shutdownThreads();
    process.stderr.write(`untrain-als: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

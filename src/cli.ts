// Entry point of the `untrain-als` binary.
import { main } from './cli/main.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`untrain-als: ${(err as Error)?.message ?? String(err)}\n`);
    process.exitCode = 1;
  },
);

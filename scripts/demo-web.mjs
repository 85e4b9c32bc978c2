// `npm run demo:web`: builds the browser demo and serves it on 127.0.0.1.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { buildDemo, demoServer, listen, DEFAULT_OUT } from './demo-web-build.mjs';

const HELP = `npm run demo:web [-- --port 8787] [-- --out build/demo-web]

Builds the untrain-als browser demo (src/demo-web) into --out and serves it on 127.0.0.1:
  /           a plain page: the model runs on one thread
  /isolated/  the same page, cross-origin isolated (COOP/COEP headers): the model runs on every core
Options:
  --port N    port to listen on (default 8787; 0 = any free port)
  --out DIR   where to build the page (default build/demo-web)
  --help      this text
`;

let values;
try {
  ({ values } = parseArgs({ options: { port: { type: 'string' }, out: { type: 'string' }, help: { type: 'boolean' } } }));
} catch (e) {
  process.stderr.write(`demo:web: ${e.message}\n\n${HELP}`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(HELP);
  process.exit(0);
}
const port = values.port === undefined ? 8787 : Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`demo:web: invalid --port ${JSON.stringify(values.port)}; expected an integer 0–65535\n`);
  process.exit(2);
}
const out = values.out ? resolve(values.out) : DEFAULT_OUT;
await buildDemo(out);
const server = demoServer(out);
try {
  const url = await listen(server, port);
  process.stdout.write(`untrain-als demo built in ${out}\n  one thread:        ${url}/\n  every core:        ${url}/isolated/\nCtrl-C stops.\n`);
} catch (e) {
  process.stderr.write(`demo:web: cannot listen on 127.0.0.1:${port}: ${e.code === 'EADDRINUSE' ? 'the port is in use (try --port 0)' : e.message}\n`);
  process.exit(1);
}

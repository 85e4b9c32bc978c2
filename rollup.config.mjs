// Bundles the library (browser/worker-safe core), the Node helpers and the CLI with esbuild.
// Type declarations come from `tsc --emitDeclarationOnly` (see package.json "build:types").
import { readFileSync, rmSync } from 'node:fs';
import esbuild from 'rollup-plugin-esbuild';

// A fresh dist/ each build: chunk names carry content hashes, so old chunks would pile up in the tarball.
rmSync('dist', { recursive: true, force: true });

const external = (id) => id.startsWith('node:') || /^vega(-lite)?(\/|$)/.test(id);
const plugins = [esbuild({ target: 'node20', minify: false })];

// The workerd entry imports the kernels as a .wasm file (the platform compiles it): the import stays
// an import of ./untrain_als.wasm, which is written next to the bundle.
const WASM_FILE = 'untrain_als.wasm';
const workerWasm = {
  name: 'worker-wasm',
  resolveId: (id) => (id.endsWith('.wasm') ? { id: `./${WASM_FILE}`, external: true } : null),
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: WASM_FILE, source: readFileSync(`build/${WASM_FILE}`) });
  },
};
// …and so carries no inlined copy of the kernels' bytes (src/kernels/wasm.ts says so if asked for them).
const NO_BYTES = '\0no-wasm-bytes';
const workerNoInlinedBytes = {
  name: 'worker-no-inlined-bytes',
  resolveId: (id) => (/wasm-bytes\.generated(\.js|\.ts)?$/.test(id) ? NO_BYTES : null),
  load: (id) => (id === NO_BYTES ? "export const WASM_BASE64 = '';\nexport const WASM_SHARED_BASE64 = '';\n" : null),
};

export default [
  { input: 'src/index.ts', output: { file: 'dist/index.js', format: 'es', sourcemap: true }, external, plugins },

  {
    input: 'src/index.worker.ts',
    output: { file: 'dist/index.worker.js', format: 'es', sourcemap: true },
    external,
    plugins: [workerWasm, workerNoInlinedBytes, ...plugins],
  },
  // The Node entries are one module graph with shared chunks: `untrain-als` (index.node.js),
  // `untrain-als/node` (node.js) and the CLI hold the same classes, so `instanceof` works across them.
  {
    input: { 'index.node': 'src/index.node.ts', node: 'src/node/index.ts', cli: 'src/cli.ts' },
    output: {
      dir: 'dist', format: 'es', sourcemap: true, chunkFileNames: 'chunks/[name]-[hash].js',
      banner: (chunk) => (chunk.isEntry && chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
    },
    external,
    plugins,
  },
];

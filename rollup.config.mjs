// Bundles the library (browser/worker-safe core), the Node helpers and the CLI with esbuild.
// Type declarations come from `tsc --emitDeclarationOnly` (see package.json "build:types").
import esbuild from 'rollup-plugin-esbuild';

const external = (id) => id.startsWith('node:') || /^vega(-lite)?(\/|$)/.test(id);
const plugins = [esbuild({ target: 'node20', minify: false })];

export default [
  { input: 'src/index.ts', output: { file: 'dist/index.js', format: 'es', sourcemap: true }, external, plugins },
  { input: 'src/index.node.ts', output: { file: 'dist/index.node.js', format: 'es', sourcemap: true }, external, plugins },
  { input: 'src/node/index.ts', output: { file: 'dist/node.js', format: 'es', sourcemap: true }, external, plugins },
  {
    input: 'src/cli.ts',
    output: { file: 'dist/cli.js', format: 'es', sourcemap: true, banner: '#!/usr/bin/env node' },
    external,
    plugins,
  },
];

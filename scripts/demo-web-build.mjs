// Builds the browser demo (src/demo-web) into a folder and serves it on 127.0.0.1. Shared by
// scripts/demo-web.mjs (the CLI) and test/demo-web.test.ts. The demo is not part of the package:
// it goes to build/demo-web/, which `files` in package.json does not ship.
import { createServer } from 'node:http';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SRC = join(ROOT, 'src/demo-web');
export const DEFAULT_OUT = join(ROOT, 'build/demo-web');

/** Bundles main.ts and model-worker.ts (the package comes from src/index.ts) and copies the page. */
export async function buildDemo(outDir = DEFAULT_OUT) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [join(SRC, 'main.ts'), join(SRC, 'model-worker.ts')],
    outdir: outDir,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const f of ['index.html', 'style.css']) await copyFile(join(SRC, f), join(outDir, f));
  return outDir;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.map': 'application/json', '.png': 'image/png', '.svg': 'image/svg+xml',
};

// Under /isolated/ the same files come with the headers that make the page cross-origin isolated
// (SharedArrayBuffer, so the model's kernels can run on several Web Workers).
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** An http.Server for `dir`: `/` plain (one thread), `/isolated/` cross-origin isolated. Not listening yet. */
export function demoServer(dir) {
  const base = resolve(dir);
  return createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/isolated') {
      res.writeHead(301, { Location: '/isolated/' });
      return res.end();
    }
    const isolated = path.startsWith('/isolated/');
    if (isolated) path = path.slice('/isolated'.length);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(base, path));
    if (file !== base && !file.startsWith(base + sep)) {
      res.writeHead(403);
      return res.end();
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cache-Control': 'no-store',
        ...(isolated ? ISOLATION : {}),
      });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
}

/** Listens on 127.0.0.1 (port 0: any free port); resolves with the base URL. */
export function listen(server, port) {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', fail);
      const addr = server.address();
      ok(`http://127.0.0.1:${addr.port}`);
    });
  });
}

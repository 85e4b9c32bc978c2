// Headless Chromium for the browser tests: the binary scripts/chromium.mjs finds (CHROMIUM_PATH,
// else chromium on PATH, else /usr/bin/chromium; `npm test` installs Debian's chromium first when
// there is none). playwright-core drives it and never downloads a browser of its own. Without
// Chromium the tests that need it fail (they are never skipped).
import { createServer, type RequestListener } from 'node:http';
import { chromium, type Browser } from 'playwright-core';
import { findChromium, INSTALL_HINT } from '../scripts/chromium.mjs';

export async function launchChromium(): Promise<Browser> {
  const path = findChromium();
  if (!path) throw new Error(`No Chromium found (CHROMIUM_PATH, chromium on PATH, /usr/bin/chromium). ${INSTALL_HINT}`);
  try {
    return await chromium.launch({
      executablePath: path,
      headless: true,
      timeout: 60_000,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
  } catch (e) {
    throw new Error(`Could not launch Chromium at ${path}: ${(e as Error).message}\n${INSTALL_HINT}`);
  }
}

/** A page server on 127.0.0.1 (a free port): its base URL, and how to stop it. */
export async function serveLocally(handler: RequestListener): Promise<{ base: string; close(): Promise<void> }> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.address();
  return {
    base: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

// Headless Chromium for the browser tests: CHROMIUM_PATH, else /usr/bin/chromium (the Debian package
// `chromium`, which .ci/run installs). playwright-core drives it and never downloads a browser of its
// own. Without Chromium the tests that need it fail (they are never skipped).
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const INSTALL_HINT = 'Install the Debian package chromium (apt-get install chromium; .ci/run does this), '
  + 'or point CHROMIUM_PATH at a Chromium binary.';

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}. ${INSTALL_HINT}`);
  try {
    return await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      timeout: 60_000,
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync',
      ],
    });
  } catch (e) {
    throw new Error(`Could not launch Chromium at ${CHROMIUM}: ${(e as Error).message}\n${INSTALL_HINT}`);
  }
}

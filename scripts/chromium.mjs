// The Chromium the browser tests drive (through playwright-core, which never downloads one).
// `findChromium()`: CHROMIUM_PATH, else the first chromium / chromium-browser / google-chrome on
// PATH, else /usr/bin/chromium. Run as a script (npm test does), it makes sure one exists: when
// none does it installs Debian's package `chromium` with apt-get (as root, or through sudo without
// a password); when it cannot, it says how and exits 1, before any test runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium binary to use, or undefined when there is none. */
export function findChromium() {
  const given = process.env.CHROMIUM_PATH;
  if (given) return executable(given) ? given : undefined;
  for (const name of NAMES) {
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (dir && executable(join(dir, name))) return join(dir, name);
    }
  }
  return executable('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export const INSTALL_HINT = 'Install the Debian package chromium (apt-get install chromium; npm test does this as root '
  + 'or with sudo), or point CHROMIUM_PATH at a Chromium binary.';

function ensure() {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    console.error(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file. ${INSTALL_HINT}`);
    process.exit(1);
  }
  if (process.platform !== 'linux' || spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.error(`The browser tests need Chromium and none was found (no apt-get to install it here). ${INSTALL_HINT}`);
    process.exit(1);
  }
  const root = process.getuid?.() === 0;
  const sudo = !root && spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0;
  if (!root && !sudo) {
    console.error(`The browser tests need Chromium: none was found, and installing it needs root or sudo. ${INSTALL_HINT}`);
    process.exit(1);
  }
  console.error('The browser tests need Chromium and none was found: installing the Debian package chromium (apt-get) …');
  const run = (args) => {
    const [cmd, ...rest] = sudo ? ['sudo', '-n', ...args] : args;
    execFileSync(cmd, rest, { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  };
  try {
    run(['apt-get', 'update', '-qq']);
    run(['apt-get', 'install', '-y', '-qq', 'chromium']);
  } catch (e) {
    console.error(`Installing chromium failed (${e.message}). ${INSTALL_HINT}`);
    process.exit(1);
  }
  const now = findChromium();
  if (!now) {
    console.error(`apt-get installed chromium, but no binary was found afterwards. ${INSTALL_HINT}`);
    process.exit(1);
  }
  return now;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const path = ensure();
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  console.error(`browser tests: ${version || path}`);
}

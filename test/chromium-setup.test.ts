// The test command's Chromium setup (scripts/chromium.mjs, run by `npm test` before the suite):
// which binary it finds, and that a wrong CHROMIUM_PATH stops it with one clear line, not six
// browser tests failing later.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SCRIPT = resolve('scripts/chromium.mjs');
const dir = mkdtempSync(join(tmpdir(), 'uals-chromium-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const fake = join(dir, 'chromium');
writeFileSync(fake, '#!/bin/sh\necho "Chromium 1.0 (fake)"\n');
chmodSync(fake, 0o755);

/** `findChromium()` under this environment. */
function find(env: Record<string, string | undefined>): string {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { findChromium } from ${JSON.stringify(`file://${SCRIPT}`)}; console.log(findChromium() ?? 'none');`], {
    encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: undefined, ...env },
  });
  expect(r.stderr).toBe('');
  return r.stdout.trim();
}

describe('the Chromium the browser tests use', () => {
  it('CHROMIUM_PATH first, then chromium on PATH', () => {
    expect(find({ CHROMIUM_PATH: fake })).toBe(fake);
    expect(find({ PATH: `${dir}:${process.env.PATH}` })).toBe(fake);
    expect(find({ CHROMIUM_PATH: join(dir, 'missing') })).toBe('none');
  });

  it('a CHROMIUM_PATH that is no program: exit 1 and one line that says so, before any test', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: join(dir, 'missing') } });
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/CHROMIUM_PATH=.*missing is not an executable file\. Install the Debian package chromium/);
  });

  it('a Chromium found: says which, exit 0', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8', env: { ...process.env, CHROMIUM_PATH: fake } });
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^browser tests: Chromium 1\.0 \(fake\)/);
  });
});

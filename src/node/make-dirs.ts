// `mkdir -p` that always ends. Node's own `mkdir(path, { recursive: true })` loops forever where a
// folder exists but refuses new entries with ENOENT (/proc, some FUSE mounts): `experiment --out
// /proc/x` hung. Here every missing level is made once, from the top, and any refusal is thrown.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export async function makeDirs(path: string): Promise<void> {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      if (!(await stat(p)).isDirectory()) throw Object.assign(new Error(`${p} is not a folder`), { code: 'ENOTDIR' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      missing.push(p);
      if (dirname(p) === p) break;
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

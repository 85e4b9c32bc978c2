// Durability of model files: atomic saves survive kill -9 at every phase, leave no temp files behind
// once the next save has run, clean up on SIGINT/SIGTERM, and in-place `forget` runs under a file
// lock (no lost update when two run at once). The CLI runs as built (dist/cli.js); every file is
// written in a fresh temporary folder.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeModel } from '../../src/model/persist.js';
import { parseTempFileName, tempFileName, withFileLock, writeFileAtomic } from '../../src/node/model-file.js';
import { CLI, runCli } from '../helpers.js';

const DELAY_ENV = 'UNTRAIN_ALS_TEST_SAVE_DELAY';
const TRAIN = ['train', '--factors', '8', '--iterations', '5', '--tol', '0', '--holdout', '0'];

let base: string;
let oldBytes: Buffer; // seed 0
let newBytes: Buffer; // seed 1: what the saves under test write over oldBytes
let forgotBytes: Buffer; // oldBytes after forgetting A.csv
let pairsA: string; // 20 training pairs of oldBytes
let pairsB: string; // 20 others, disjoint from A
let sleeper: ChildProcess; // a live process that is not us

/** Every child this file starts: killed at the end, so that a failed test leaves no process behind. */
const children = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.on('close', () => children.delete(c));
  return c;
}

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** The CLI as a child process; `exit` resolves when it ends, `marker(re)` when its stderr matches. */
function start(args: string[], env: Record<string, string> = {}) {
  const child = track(spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] }));
  let stdout = '';
  let stderr = '';
  const waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    for (const w of waiters.splice(0)) {
      if (w.re.test(stderr)) w.resolve();
      else waiters.push(w);
    }
  });
  const exit = new Promise<Exit>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  const marker = (re: RegExp) =>
    Promise.race([
      new Promise<void>((res) => (re.test(stderr) ? res() : waiters.push({ re, resolve: res }))),
      exit.then((e) => Promise.reject(new Error(`exited (${e.code ?? e.signal}) before ${re}: ${e.stderr}`))),
    ]);
  return { child, exit, marker };
}

/** A pid that was alive a moment ago and is not now. */
async function deadPid(): Promise<number> {
  const c = spawn(process.execPath, ['-e', '']);
  await new Promise((r) => c.on('close', r));
  expect(() => process.kill(c.pid!, 0)).toThrow(/ESRCH/);
  return c.pid!;
}

/** Temp files of `target` in its folder. */
async function tempsOf(dir: string, target: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => parseTempFileName(join(dir, target), n));
}

/** "user,item" keys of the training pairs of a model file. */
function pairKeys(bytes: Uint8Array): Set<string> {
  const m = decodeModel(bytes);
  const keys = new Set<string>();
  for (let u = 0; u < m.train.rows; u++) {
    for (let t = m.train.indptr[u]; t < m.train.indptr[u + 1]; t++) keys.add(`${m.users.id(u)},${m.items.id(m.train.indices[t])}`);
  }
  return keys;
}

const csvKeys = (csv: string) => csv.trim().split('\n').slice(1);
const sameBytes = (a: Uint8Array, b: Uint8Array) => Buffer.compare(a, b) === 0;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'uals-durability-'));
  const [a, b] = await Promise.all([
    runCli([...TRAIN, '--out', join(base, 'old.uals')]),
    runCli([...TRAIN, '--seed', '1', '--out', join(base, 'new.uals')]),
  ]);
  expect(a.code).toBe(0);
  expect(b.code).toBe(0);
  oldBytes = readFileSync(join(base, 'old.uals'));
  newBytes = readFileSync(join(base, 'new.uals'));
  expect(sameBytes(oldBytes, newBytes)).toBe(false);
  const m = decodeModel(oldBytes);
  const pick = (u0: number) => ['user,item', ...Array.from({ length: 20 }, (_, d) => {
    const u = u0 + d;
    return `${m.users.id(u)},${m.items.id(m.train.indices[m.train.indptr[u]])}`;
  })].join('\n') + '\n';
  pairsA = join(base, 'A.csv');
  pairsB = join(base, 'B.csv');
  await writeFile(pairsA, pick(0));
  await writeFile(pairsB, pick(100));
  const f = await runCli(['forget', '--model', join(base, 'old.uals'), '--pairs', pairsA, '--out', join(base, 'forgot.uals')]);
  expect(f.code).toBe(0);
  forgotBytes = readFileSync(join(base, 'forgot.uals'));
  sleeper = track(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120000)'], { stdio: 'ignore' }));
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (base) await rm(base, { recursive: true, force: true });
});

/** A fresh folder holding m.uals = the old model. */
async function folder(): Promise<{ dir: string; model: string }> {
  const dir = await mkdtemp(join(base, 'case-'));
  const model = join(dir, 'm.uals');
  await writeFile(model, oldBytes);
  return { dir, model };
}

describe('temp files of atomic saves', () => {
  it('names them .NAME.PID.TS.tmp and reads the pid back, never from a longer target name', () => {
    expect(tempFileName('/x/m.uals', 42, 1700)).toBe('.m.uals.42.1700.tmp');
    expect(parseTempFileName('/x/m.uals', '.m.uals.42.1700.tmp')).toEqual({ pid: 42, ts: 1700 });
    expect(parseTempFileName('/x/m.uals', '.m.uals.5.42.1700.tmp')).toBeUndefined(); // a temp of m.uals.5
    expect(parseTempFileName('/x/m.uals', '.m.uals.42.tmp')).toBeUndefined();
    expect(parseTempFileName('/x/m.uals', 'm.uals')).toBeUndefined();
  });

  it("the next save removes a dead writer's temp files and keeps a live writer's", async () => {
    const { dir, model } = await folder();
    const dead = await deadPid();
    const live = sleeper.pid!;
    const deadTmp = tempFileName(model, dead, Date.now());
    const oldFormat = tempFileName(model, dead, 1); // what a killed save of an older version left
    const liveTmp = tempFileName(model, live, Date.now());
    const earlierMe = tempFileName(model, process.pid, 1); // our pid, reused: from before this process
    const otherTarget = `.m.uals.5.${dead}.${Date.now()}.tmp`; // a temp of m.uals.5, not of m.uals
    for (const n of [deadTmp, oldFormat, liveTmp, earlierMe, otherTarget]) await writeFile(join(dir, n), 'x');
    await writeFileAtomic(model, newBytes);
    const left = await readdir(dir);
    expect(left).not.toContain(deadTmp);
    expect(left).not.toContain(oldFormat);
    expect(left).not.toContain(earlierMe);
    expect(left).toContain(liveTmp);
    expect(left).toContain(otherTarget);
    expect(sameBytes(readFileSync(model), newBytes)).toBe(true);
  });

  it('a failed save removes its temp file and leaves the target alone', async () => {
    const { dir } = await folder();
    const target = join(dir, 'sub');
    await mkdir(target); // renaming a file over a folder fails (EISDIR)
    await expect(writeFileAtomic(target, newBytes)).rejects.toThrow();
    expect(await tempsOf(dir, 'sub')).toEqual([]);
    expect(statSync(target).isDirectory()).toBe(true);
  });

  it('rejects a malformed test delay spec instead of ignoring it', async () => {
    const { model } = await folder();
    process.env[DELAY_ENV] = 'wirte=5';
    try {
      await expect(writeFileAtomic(model, newBytes)).rejects.toThrow(/UNTRAIN_ALS_TEST_SAVE_DELAY/);
    } finally {
      delete process.env[DELAY_ENV];
    }
  });
});

describe('withFileLock', () => {
  it('serialises critical sections, writes {pid, hostname, started}, is re-entrant, and releases on throw', async () => {
    const { model } = await folder();
    const lock = `${model}.lock`;
    const log: string[] = [];
    const section = (name: string) => withFileLock(model, async () => {
      log.push(`${name}+`);
      const info = JSON.parse(readFileSync(lock, 'utf8'));
      expect(info).toMatchObject({ pid: process.pid, hostname: hostname() });
      expect(Date.parse(info.started)).toBeGreaterThan(Date.now() - 60_000);
      await new Promise((r) => setTimeout(r, 60));
      log.push(`${name}-`);
    });
    await Promise.all([section('a'), section('b'), section('c')]);
    expect(log.join(' ')).toMatch(/^(\w)\+ \1- (\w)\+ \2- (\w)\+ \3-$/);
    // nested on the same path in one call chain: runs at once (a non-re-entrant lock would time out)
    expect(await withFileLock(model, () => withFileLock(model, async () => 7, { timeoutMs: 200 }))).toBe(7);
    await expect(withFileLock(model, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(() => statSync(lock)).toThrow(/ENOENT/);
  });

  it('waits for a live holder, tells onWait its pid, and times out with a message naming the lock and the pid', async () => {
    const { model } = await folder();
    const lock = `${model}.lock`;
    const held = JSON.stringify({ pid: sleeper.pid, hostname: hostname(), started: new Date().toISOString() });
    await writeFile(lock, held);
    const waited: number[] = [];
    const t0 = Date.now();
    const err = await withFileLock(model, async () => 'ran', { timeoutMs: 400, onWait: (p) => waited.push(p) }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain(lock);
    expect((err as Error).message).toContain(String(sleeper.pid));
    expect((err as Error).message).not.toContain('\n');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(390);
    expect(waited).toEqual([sleeper.pid]);
    expect(readFileSync(lock, 'utf8')).toBe(held); // a live holder's lock is never touched
  });

  it("takes over a dead holder's lock and an old unparsable one, but waits on a fresh unparsable one and another host's", async () => {
    const { model } = await folder();
    const lock = `${model}.lock`;
    await writeFile(lock, JSON.stringify({ pid: await deadPid(), hostname: hostname(), started: new Date().toISOString() }));
    expect(await withFileLock(model, async () => JSON.parse(readFileSync(lock, 'utf8')).pid, { timeoutMs: 2000 })).toBe(process.pid);
    expect(() => statSync(lock)).toThrow(/ENOENT/);

    await writeFile(lock, '{"pid": 12');
    await expect(withFileLock(model, async () => 1, { timeoutMs: 300 })).rejects.toThrow(/unreadable lock file/);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect(await withFileLock(model, async () => 2, { timeoutMs: 2000 })).toBe(2);

    const foreign = JSON.stringify({ pid: await deadPid(), hostname: `not-${hostname()}`, started: new Date().toISOString() });
    await writeFile(lock, foreign);
    await expect(withFileLock(model, async () => 3, { timeoutMs: 300 })).rejects.toThrow(/on not-/);
    expect(readFileSync(lock, 'utf8')).toBe(foreign);
  });
});

describe('CLI: concurrent in-place forget', () => {
  it('two forgets of one model at once both land (3 trials)', async () => {
    const a = csvKeys(readFileSync(pairsA, 'utf8'));
    const b = csvKeys(readFileSync(pairsB, 'utf8'));
    const before = pairKeys(oldBytes);
    for (const k of [...a, ...b]) expect(before.has(k)).toBe(true);
    for (let trial = 0; trial < 3; trial++) {
      const { model } = await folder();
      // a slow disk: the open phase of each save takes 300 ms, so without the lock both would
      // surely load the old model before either saves (the lost update)
      const env = { [DELAY_ENV]: 'open=300' };
      const [ra, rb] = await Promise.all([
        start(['forget', '--model', model, '--pairs', pairsA], env).exit,
        start(['forget', '--model', model, '--pairs', pairsB], env).exit,
      ]);
      for (const r of [ra, rb]) {
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toMatch(/saved {5}\S*m\.uals/);
      }
      const after = pairKeys(readFileSync(model));
      expect([...a, ...b].filter((k) => after.has(k)), `trial ${trial}: pairs still in the model`).toEqual([]);
      expect(after.size).toBe(before.size - 40);
      expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
    }
  });
});

describe('CLI: kill -9 during a save', () => {
  it('leaves the old or the new model at every phase, and the next save removes the dead temp files', async () => {
    const { dir, model } = await folder();
    const phases = ['open', 'write', 'sync', 'rename', 'dirsync'] as const;
    let kills = 0;
    let prevPid = 0;
    for (const phase of phases) {
      for (const extra of [0, 40]) {
        const p = start([...TRAIN, '--seed', '1', '--out', model], { [DELAY_ENV]: `${phase}=5000` });
        await p.marker(new RegExp(`save phase ${phase}`));
        // the save has already removed what the previous kill left: only its own temp can be there
        const during = await tempsOf(dir, 'm.uals');
        expect(during.every((n) => parseTempFileName(model, n)!.pid === p.child.pid), `${phase}: ${during} (prev ${prevPid})`).toBe(true);
        if (extra) await new Promise((r) => setTimeout(r, extra));
        p.child.kill('SIGKILL');
        const e = await p.exit;
        expect(e.signal).toBe('SIGKILL');
        kills++;
        prevPid = p.child.pid!;
        const now = readFileSync(model);
        expect(sameBytes(now, oldBytes) || sameBytes(now, newBytes), `${phase}: target is neither old nor new`).toBe(true);
        // before the rename the target is untouched; from the rename on it is the new model
        expect(sameBytes(now, phase === 'dirsync' ? newBytes : oldBytes)).toBe(true);
        const left = await tempsOf(dir, 'm.uals');
        if (phase === 'dirsync') expect(left).toEqual([]);
        else {
          // the kill landed where we meant: an empty temp file, half of it, all of it
          expect(left).toHaveLength(1);
          const size = statSync(join(dir, left[0])).size;
          expect(size).toBe(phase === 'open' ? 0 : phase === 'write' ? newBytes.length >> 1 : newBytes.length);
        }
        // back to the old model for the next round (a plain write: it removes no temp file)
        if (phase === 'dirsync') await writeFile(model, oldBytes);
      }
    }
    expect(kills).toBe(10);
    const r = await runCli([...TRAIN, '--seed', '1', '--out', model]);
    expect(r.code).toBe(0);
    expect(await tempsOf(dir, 'm.uals')).toEqual([]);
    expect(sameBytes(readFileSync(model), newBytes)).toBe(true);
  });

  it('an in-place forget killed mid-save leaves the old model and a stale lock that the next forget takes over', async () => {
    const { dir, model } = await folder();
    for (const phase of ['write', 'rename']) {
      const p = start(['forget', '--model', model, '--pairs', pairsA], { [DELAY_ENV]: `${phase}=5000` });
      await p.marker(new RegExp(`save phase ${phase}`));
      p.child.kill('SIGKILL');
      expect((await p.exit).signal).toBe('SIGKILL');
      expect(sameBytes(readFileSync(model), oldBytes)).toBe(true);
      expect(JSON.parse(readFileSync(`${model}.lock`, 'utf8')).pid).toBe(p.child.pid);
      expect((await tempsOf(dir, 'm.uals')).map((n) => parseTempFileName(model, n)!.pid)).toEqual([p.child.pid]);
    }
    const r = await runCli(['forget', '--model', model, '--pairs', pairsA], 30_000); // killed (code 1) if it waits on
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/waiting/);
    expect(sameBytes(readFileSync(model), forgotBytes)).toBe(true);
    expect(await tempsOf(dir, 'm.uals')).toEqual([]);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
  });
});

describe('CLI: signals', () => {
  it('SIGTERM during a write removes the temp file and the process dies of SIGTERM', async () => {
    const { dir, model } = await folder();
    const p = start([...TRAIN, '--seed', '1', '--out', model], { [DELAY_ENV]: 'write=5000' });
    await p.marker(/save phase write/);
    expect(await tempsOf(dir, 'm.uals')).toHaveLength(1);
    p.child.kill('SIGTERM');
    const e = await p.exit;
    expect(e.signal).toBe('SIGTERM');
    expect(await tempsOf(dir, 'm.uals')).toEqual([]);
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(true);
  });

  it('SIGINT during an in-place forget save removes the temp file and the lock, and the process dies of SIGINT', async () => {
    const { dir, model } = await folder();
    const p = start(['forget', '--model', model, '--pairs', pairsA], { [DELAY_ENV]: 'sync=5000' });
    await p.marker(/save phase sync/);
    expect(statSync(`${model}.lock`).isFile()).toBe(true);
    p.child.kill('SIGINT');
    const e = await p.exit;
    expect(e.signal).toBe('SIGINT');
    expect(await tempsOf(dir, 'm.uals')).toEqual([]);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(true);
  });

  it('Ctrl-C during the forget computation stops it at once (no handler delays it) and its lock does not block the next forget', async () => {
    const { model } = await folder();
    // tolerance 0: it would run 100000 passes (minutes)
    const p = start(['forget', '--model', model, '--pairs', pairsA, '--tol', '0', '--max-passes', '100000']);
    let locked = false;
    for (let i = 0; i < 400 && !locked; i++) {
      try {
        locked = statSync(`${model}.lock`).isFile();
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    expect(locked).toBe(true);
    await new Promise((r) => setTimeout(r, 500)); // well inside the passes
    const t0 = Date.now();
    p.child.kill('SIGINT');
    const e = await Promise.race([p.exit, new Promise<null>((r) => setTimeout(() => r(null), 3000))]);
    if (!e) p.child.kill('SIGKILL');
    expect(e?.signal, 'still running 3 s after SIGINT').toBe('SIGINT');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(true);
    const r = await runCli(['forget', '--model', model, '--pairs', pairsA], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/waiting/);
    expect(sameBytes(readFileSync(model), forgotBytes)).toBe(true);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
  });

  it('a forget waits while a live process holds the lock, and goes on once that holder dies', async () => {
    const { model } = await folder();
    const holder = track(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }));
    await writeFile(`${model}.lock`, JSON.stringify({ pid: holder.pid, hostname: hostname(), started: new Date().toISOString() }));
    const p = start(['forget', '--model', model, '--pairs', pairsA]);
    await p.marker(new RegExp(`waiting for .*m\\.uals\\.lock \\(held by process ${holder.pid}\\)`));
    await new Promise((r) => setTimeout(r, 300));
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(true); // still waiting, nothing written
    holder.kill('SIGKILL');
    const e = await p.exit;
    expect(e.code, e.stderr).toBe(0);
    expect(sameBytes(readFileSync(model), forgotBytes)).toBe(true);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
  });

  it('train --out and retrain --out wait for the lock of their target too (never landing inside an in-place forget)', async () => {
    const { model } = await folder();
    const holder = track(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }));
    await writeFile(`${model}.lock`, JSON.stringify({ pid: holder.pid, hostname: hostname(), started: new Date().toISOString() }));
    const t = start([...TRAIN, '--seed', '1', '--out', model]);
    const r = start(['retrain', '--model', model, '--iterations', '2', '--tol', '0', '--out', model]);
    await t.marker(/waiting for .*m\.uals\.lock/);
    await r.marker(/waiting for .*m\.uals\.lock/);
    await new Promise((res) => setTimeout(res, 300));
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(true); // both still waiting, nothing written
    holder.kill('SIGKILL');
    const [te, re] = await Promise.all([t.exit, r.exit]);
    expect(te.code, te.stderr).toBe(0);
    expect(re.code, re.stderr).toBe(0);
    expect(sameBytes(readFileSync(model), oldBytes)).toBe(false);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
  });

  it('forget --out locks the --out target around the save (waits for its holder), not the --model file', async () => {
    const { dir, model } = await folder();
    const out = join(dir, 'out.uals');
    await copyFile(model, out);
    const holder = track(spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' }));
    await writeFile(`${out}.lock`, JSON.stringify({ pid: holder.pid, hostname: hostname(), started: new Date().toISOString() }));
    const p = start(['forget', '--model', model, '--pairs', pairsA, '--out', out]);
    await p.marker(/waiting for .*out\.uals\.lock/);
    expect(() => statSync(`${model}.lock`)).toThrow(/ENOENT/);
    holder.kill('SIGKILL');
    const e = await p.exit;
    expect(e.code, e.stderr).toBe(0);
    expect(sameBytes(await readFile(out), forgotBytes)).toBe(true);
    expect(sameBytes(await readFile(model), oldBytes)).toBe(true);
  });
});

// Node-only: an advisory lock file for read-modify-write of a model file (`forget` in place), so
// that two processes cannot both load the same model and each save it without the other's change.
//
// The lock is `PATH.lock`, created exclusively, holding {pid, hostname, started, token}. A holder on
// this host that is no longer alive is stale and its lock is taken over; a live holder (or one on
// another host, whose liveness we cannot test) is waited for until a timeout. The lock is released
// in `finally` and on SIGINT/SIGTERM (see releaseOnSignal); a SIGKILL leaves the file, which the
// next taker finds stale.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { link, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { cleanupOnSignal, pidAlive } from './exit-cleanup.js';
import { userPathError } from './path-errors.js';

export interface FileLockOptions {
  /** Give up waiting for a live holder after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Called once, when the lock is found held by a live process and we start waiting. */
  onWait?: (holderPid: number) => void;
  /**
   * Release the lock on SIGINT/SIGTERM (default true). A JavaScript signal handler runs only when
   * the event loop is free: while it is installed, Ctrl-C waits for any synchronous computation in
   * `fn` to finish. With false, a signal keeps its immediate default effect and leaves the lock file,
   * which the next taker finds stale and takes over; the lock is still released on a signal that
   * arrives while a save (writeFileAtomic) has its own handlers installed.
   */
  releaseOnSignal?: boolean;
}

/** The lock stayed held by a live process for longer than the timeout. */
export class FileLockTimeoutError extends Error {
  /** Stable code for programs: the lock stayed held by a live process past the timeout. */
  readonly code = 'ERR_UNTRAIN_LOCK_TIMEOUT';

  constructor(
    message: string,
    readonly lockFile: string,
    readonly holderPid: number,
  ) {
    super(message);
    this.name = 'FileLockTimeoutError';
  }
}

interface LockInfo {
  pid: number;
  hostname: string;
  started: string;
  token?: string;
}

const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** An unparsable lock younger than this may be one whose holder has not written it yet. */
const UNPARSABLE_GRACE_MS = 5_000;

/** Lock files this async call chain holds: a nested withFileLock on one of them runs at once. */
const held = new AsyncLocalStorage<ReadonlySet<string>>();

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The lock file of `path` (absolute, so that `m.uals` and `./m.uals` share one lock). */
export function lockFileOf(path: string): string {
  return `${resolve(path)}.lock`;
}

/**
 * Runs `fn` while holding the lock file `PATH.lock`, released afterwards whatever happens.
 * Waits (polling, 25–200 ms) while a live process holds it; takes it over when its holder is dead
 * (or it is unparsable and older than 5 s). Throws a FileLockTimeoutError naming the lock file and
 * the holder's pid after `timeoutMs` (default 10 minutes). Re-entrant within one async call chain
 * (a nested call for the same path just runs `fn`); concurrent calls in one process wait for each other.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>, opts: FileLockOptions = {}): Promise<T> {
  const lockFile = lockFileOf(path);
  const mine = held.getStore();
  if (mine?.has(lockFile)) return fn();
  const info: LockInfo = {
    pid: process.pid, hostname: hostname(), started: new Date().toISOString(), token: randomBytes(8).toString('hex'),
  };
  const raw = JSON.stringify(info) + '\n';
  // registered before the lock exists: a signal during acquisition removes it only if it is ours
  const unregister = cleanupOnSignal(() => releaseSync(lockFile, raw), { passive: opts.releaseOnSignal === false });
  liveTokens.add(info.token!);
  try {
    await acquire(lockFile, raw, opts);
    try {
      return await held.run(new Set([...(mine ?? []), lockFile]), fn);
    } finally {
      await release(lockFile, raw);
    }
  } finally {
    liveTokens.delete(info.token!);
    unregister();
  }
}

/** Whether this async call chain holds the lock of `path` (inside withFileLock(path, …)). */
export function fileLockHeld(path: string): boolean {
  return held.getStore()?.has(lockFileOf(path)) ?? false;
}

async function acquire(lockFile: string, raw: string, opts: FileLockOptions): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  let waiting = false;
  for (;;) {
    if (await tryCreate(lockFile, raw)) return;
    const seen = await readLock(lockFile);
    if (!seen) continue; // released between our create and our read: try again at once
    if (isStale(seen)) {
      await takeOver(lockFile, seen.raw);
      continue;
    }
    const pid = seen.info?.pid ?? 0;
    if (!waiting) {
      waiting = true;
      opts.onWait?.(pid);
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      const who = seen.info
        ? `process ${seen.info.pid} on ${seen.info.hostname} (since ${seen.info.started})`
        : 'an unknown process (unreadable lock file)';
      throw new FileLockTimeoutError(
        `${lockFile} is held by ${who}; gave up after ${(timeoutMs / 1000).toFixed(1)} s (remove the lock file if that process is gone)`,
        lockFile, pid,
      );
    }
    await sleep(Math.min(delay, left));
    delay = Math.min(200, Math.round(delay * 1.5));
  }
}

/** Creates the lock file exclusively with our content; false when it already exists. */
async function tryCreate(lockFile: string, raw: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(lockFile, 'wx');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    // said of the file being locked, not of its .lock
    throw userPathError(err, lockFile.replace(/\.lock$/, ''));
  }
  try {
    await fh.writeFile(raw);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(lockFile).catch(() => {});
    throw err;
  }
  await fh.close();
  return true;
}

interface SeenLock {
  raw: string;
  info?: LockInfo;
  mtimeMs: number;
}

async function readLock(lockFile: string): Promise<SeenLock | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(lockFile, 'utf8'), stat(lockFile)]);
    return { raw, info: parseLock(raw), mtimeMs: st.mtimeMs };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parseLock(raw: string): LockInfo | undefined {
  try {
    const v = JSON.parse(raw) as Partial<LockInfo>;
    if (Number.isSafeInteger(v.pid) && typeof v.hostname === 'string' && typeof v.started === 'string') return v as LockInfo;
  } catch {
    // not JSON (yet): judged by its age below
  }
  return undefined;
}

function isStale(seen: SeenLock): boolean {
  if (!seen.info) return Date.now() - seen.mtimeMs > UNPARSABLE_GRACE_MS;
  // another host's pid means nothing here: never take it over, wait (and time out) instead
  if (seen.info.hostname !== hostname()) return false;
  // our own pid: a live lock of this process (another async task) has a token we are holding;
  // otherwise an earlier process with the same (reused) pid left it
  if (seen.info.pid === process.pid) return !liveTokens.has(seen.info.token ?? '');
  return !pidAlive(seen.info.pid);
}

/** Tokens of the locks this process holds now (any async chain). */
const liveTokens = new Set<string>();

/**
 * Removes the stale lock whose content was `staleRaw`, never a fresh one: the lock is first renamed
 * to a name of our own (atomic: from then on no one else can touch it), re-read, and deleted only if
 * it is still the stale lock we judged; if someone took it over in between, it is put back (with
 * link, which does not overwrite a lock created meanwhile).
 */
async function takeOver(lockFile: string, staleRaw: string): Promise<void> {
  const aside = `${lockFile}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(lockFile, aside);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // someone else removed it first
    throw err;
  }
  let moved: string | undefined;
  try {
    moved = await readFile(aside, 'utf8');
  } catch {
    moved = undefined;
  }
  if (moved !== staleRaw) await link(aside, lockFile).catch(() => {});
  await unlink(aside).catch(() => {});
}

async function release(lockFile: string, raw: string): Promise<void> {
  try {
    // only our own lock: if someone judged us stale and took over, theirs stays
    if ((await readFile(lockFile, 'utf8')) === raw) await unlink(lockFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

function releaseSync(lockFile: string, raw: string): void {
  try {
    if (readFileSync(lockFile, 'utf8') === raw) unlinkSync(lockFile);
  } catch {
    // gone already, or not ours
  }
}

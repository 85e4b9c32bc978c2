// Node-only: undo files (a temp file, a lock) when SIGINT or SIGTERM arrives while they exist, then
// let the signal do what it would have done. Handlers are installed only while something is
// registered, so a process that is not writing a model keeps Node's default signal behaviour.

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Sig = (typeof SIGNALS)[number];

/** Cleanups, each with whether it needs the handlers installed (passive ones only ride along). */
const cleanups = new Map<() => void, boolean>();
const handlers = new Map<Sig, () => void>();

function onSignal(sig: Sig): void {
  // synchronous on purpose: the process is about to die, nothing asynchronous would still run
  for (const fn of [...cleanups.keys()]) {
    try {
      fn();
    } catch {
      // one failed removal must not keep the others from running
    }
  }
  cleanups.clear();
  uninstall();
  // Re-raise only when nobody else listens: with no listener left Node restores the default
  // disposition and the process dies of the signal (status 128 + signo), as if we had never been
  // there. Other listeners were called for this very signal and own what happens next.
  if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
}

function install(): void {
  for (const sig of SIGNALS) {
    if (handlers.has(sig)) continue;
    const h = () => onSignal(sig);
    handlers.set(sig, h);
    process.on(sig, h);
  }
}

function uninstall(): void {
  for (const [sig, h] of handlers) process.removeListener(sig, h);
  handlers.clear();
}

/**
 * Runs `fn` (synchronously) if SIGINT/SIGTERM arrives before the returned function is called.
 * Calling the returned function unregisters it (and removes the signal handlers when no active
 * cleanup is left).
 *
 * A JavaScript signal handler runs only when the event loop is free, so while handlers are
 * installed a signal waits for any synchronous computation to finish. `passive: true` registers
 * `fn` without installing handlers: it runs if a signal arrives while some active cleanup has them
 * installed; otherwise the signal keeps its default (immediate) effect and `fn` does not run.
 */
export function cleanupOnSignal(fn: () => void, opts: { passive?: boolean } = {}): () => void {
  const active = !opts.passive;
  cleanups.set(fn, active);
  if (active) install();
  return () => {
    cleanups.delete(fn);
    if (![...cleanups.values()].some(Boolean)) uninstall();
  };
}

/**
 * Whether process `pid` exists on this host. `kill(pid, 0)` sends nothing: ESRCH means no such
 * process; EPERM means it exists but belongs to someone else (alive). Anything else counts as alive,
 * so that a doubt never makes us delete a live process's file.
 */
export function pidAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

// File-system errors of a save or a lock, said of the user's path rather than of an internal file.

const WRITE_REASONS: Record<string, string> = {
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'is a folder',
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/**
 * A file-system error of a save, said of the user's path (not of the internal temp file's name);
 * the code stays, for programs.
 */
export function userPathError(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (!e || typeof e.code !== 'string' || !(e.code in WRITE_REASONS)) return err;
  const out = new Error(`cannot write ${path}: ${WRITE_REASONS[e.code]} (${e.code})`) as NodeJS.ErrnoException;
  out.code = e.code;
  return out;
}


// Where a command writes: stdout for results, stderr for diagnostics. Replaceable in tests.

export interface Io {
  out(text: string): void;
  err(text: string): void;
  json(value: unknown): void;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  json: (v) => void process.stdout.write(JSON.stringify(v, null, 2) + '\n'),
};

/**
 * Exit status of a command that finished and saved its model but whose certificate did not reach
 * the tolerance: the work is kept (a forget's data change must not be lost), and scripts can tell.
 */
export const NOT_CONVERGED_EXIT = 3;

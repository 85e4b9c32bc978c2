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

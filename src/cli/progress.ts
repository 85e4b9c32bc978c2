// A one-line progress bar on stderr, drawn only on a terminal (never into pipes, logs or --json).

export interface Progress {
  tick(done: number, note?: string): void;
  done(): void;
}

export function progressBar(label: string, total: number, enabled: boolean, stream = process.stderr): Progress {
  if (!enabled || !stream.isTTY || total <= 0) return { tick() {}, done() {} };
  const width = 30;
  const start = Date.now();
  let last = '';
  const draw = (done: number, note = ''): void => {
    const f = Math.min(1, done / total);
    const full = Math.round(f * width);
    const secs = (Date.now() - start) / 1000;
    const eta = f > 0 && f < 1 ? ` eta ${((secs / f) * (1 - f)).toFixed(1)}s` : '';
    const line = `${label} [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${done}/${total} ${secs.toFixed(1)}s${eta} ${note}`;
    if (line !== last) stream.write(`\r\x1b[K${line}`);
    last = line;
  };
  draw(0);
  return {
    tick: draw,
    done() {
      stream.write('\r\x1b[K');
    },
  };
}

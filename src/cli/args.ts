// Shared argument handling for the CLI commands: parsing with node:util parseArgs, typed option
// readers that name the bad value and what was expected, and the error type that maps to exit 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A usage error: bad or missing flag. Exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export type Flags = NonNullable<ParseArgsConfig['options']>;

export function parse(argv: string[], options: Flags): Record<string, string | boolean | undefined> {
  // -h is --help in every command
  if (options.help && !options.help.short && !Object.values(options).some((o) => o.short === 'h')) {
    options = { ...options, help: { ...options.help, short: 'h' } };
  }
  // `--reg -1` or `-n -5` would read as two flags; join a negative number to its option so that
  // the value is checked (and refused with a clear message) like any other.
  const shortName = (c: string): string | undefined => Object.keys(options).find((k) => options[k].short === c);
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2) : /^-[a-zA-Z]$/.test(a) ? shortName(a[1]) : undefined;
    if (name && options[name]?.type === 'string' && /^-[\d.]/.test(argv[i + 1] ?? '')) {
      args.push(a.startsWith('--') ? `${a}=${argv[++i]}` : `--${name}=${argv[++i]}`);
    } else args.push(a);
  }
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    // an empty value (--out '') is a mistake, not a request for the default
    for (const [k, v] of Object.entries(values)) {
      const vs = Array.isArray(v) ? v : [v];
      if (vs.some((x) => x === '')) throw new UsageError(`--${k} "": expected a value`);
    }
    return values as Record<string, string | boolean | undefined>;
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError((err as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ''));
  }
}

export function num(values: Record<string, unknown>, name: string, opts: { int?: boolean; min?: number; max?: number } = {}): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const v = Number(raw);
  const ok = typeof raw === 'string' && raw.trim() !== '' && Number.isFinite(v) &&
    (!opts.int || Number.isInteger(v)) && (opts.min === undefined || v >= opts.min) && (opts.max === undefined || v <= opts.max);
  if (!ok) {
    const what = [opts.int ? 'an integer' : 'a number', opts.min !== undefined ? `≥ ${opts.min}` : '', opts.max !== undefined ? `≤ ${opts.max}` : '']
      .filter(Boolean).join(' ');
    throw new UsageError(`--${name} ${JSON.stringify(raw)}: expected ${what}`);
  }
  return v;
}

/** --threads: a positive integer, or 0 / absent for every core. */
export function threadsFlag(v: Record<string, unknown>): number | undefined {
  return num(v, 'threads', { int: true, min: 0 });
}

export function oneOf<T extends string>(values: Record<string, unknown>, name: string, allowed: readonly T[]): T | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  if (!allowed.includes(raw as T)) throw new UsageError(`--${name} ${JSON.stringify(raw)}: expected one of ${allowed.join(', ')}`);
  return raw as T;
}

export function str(values: Record<string, unknown>, name: string): string | undefined {
  const raw = values[name];
  return typeof raw === 'string' ? raw : undefined;
}

// Text → parallel arrays of (user, item, value, timestamp). Platform-neutral: no Node imports.
//
// Formats
//   ml100k     MovieLens 100K u.data: `user \t item \t rating \t timestamp`, no header.
//   ml1m       MovieLens 1M/10M ratings.dat: `UserID::MovieID::Rating::Timestamp`, no header.
//   mllatest   MovieLens latest / 20M / 25M ratings.csv: header `userId,movieId,rating,timestamp`
//              then comma-separated rows. (A first line whose rating field is not numeric is taken
//              as the header; a file without one is accepted too.)
//   delimited  Generic `user,item[,value[,timestamp]]`: 2 to 4 fields, delimiter detected among
//              tab, comma, semicolon, then runs of whitespace, from the first non-empty lines. An
//              optional header line is detected: with 3 or 4 fields when its value field is not
//              numeric (and not a NaN/Infinity spelling, which is reported as a bad value); with 2
//              fields when both fields are common column names (user/userId/..., item/movieId/...).
//   auto       Recognised from the content of the first non-empty lines: a line containing "::" is
//              ml1m; the header `userId,movieId,rating,timestamp` is mllatest; a first line (and
//              at least half of the first 20) of exactly 4 tab-separated fields with integer ids
//              and numeric rating/timestamp is ml100k; anything else is delimited.
//
// Quoting (RFC 4180) with comma, semicolon or tab delimiters: a field that starts with a double quote
// runs to its closing quote; delimiters and line breaks inside are part of it and "" is a quote
// (`"Smith, J",i1` is user `Smith, J`). Line numbers in messages are physical lines (a record that
// spans lines is reported at its first). A quote inside an unquoted field is an ordinary character.
//
// Rules common to every format: empty and whitespace-only lines are skipped, CRLF line ends and a
// leading BOM are accepted, spaces around fields are trimmed, and every non-empty line must have
// exactly the number of fields of the format (for delimited: the number of fields of the first
// line). Ids are kept as strings exactly as written ("007" stays "007"). In the MovieLens formats
// ids must be non-negative decimal integers. Values and timestamps must be finite decimal numbers
// (no NaN, Infinity, hex); a missing value is 1, a missing timestamp NaN.

import { decodeText, maybeGunzip } from './gzip.js';
import { DataError } from './errors.js';

export type Format = 'auto' | 'ml100k' | 'ml1m' | 'mllatest' | 'delimited';
export type ResolvedFormat = Exclude<Format, 'auto'>;
export const FORMATS: readonly Format[] = ['auto', 'ml100k', 'ml1m', 'mllatest', 'delimited'];

/** Delimiters that `delimited` can detect. `' '` stands for runs of spaces and tabs. */
export type Delimiter = '\t' | ',' | ';' | ' ' | '::';

export interface RawInteractions {
  /** External user id of each record, as written. */
  users: string[];
  /** External item id of each record, as written. */
  items: string[];
  /** Rating or weight of each record; 1 when the format has no value field. */
  values: Float64Array;
  /** Timestamp of each record as written (Unix seconds for MovieLens); NaN when absent. */
  timestamps: Float64Array;
  /** 1-based source line of each record (for error messages further down). */
  lines: Int32Array;
  /** The format used (never 'auto'). */
  format: ResolvedFormat;
  /** The source name used in messages. */
  source: string;
  /** The field delimiter used (`' '` = runs of whitespace). */
  delimiter: Delimiter;
  /** The header fields when a header line was skipped. */
  header?: string[];
}

export interface ParseOptions {
  /** Default 'auto'. */
  format?: Format | string;
  /** Name used in error messages (a file name); default "<input>". */
  source?: string;
}

/** How the body of a file is read. */
interface Layout {
  format: ResolvedFormat;
  delimiter: Delimiter;
  /** Exact number of fields per line, 2..4. */
  fields: number;
  /** Ids must be non-negative decimal integers. */
  numericIds: boolean;
  /** Skip the first non-empty line. */
  header: boolean;
  /** "expected ..." text for a line of the wrong shape. */
  shape: string;
  /** Word used for the value field in messages. */
  valueName: string;
}

const SHAPES: Record<'ml100k' | 'ml1m' | 'mllatest', string> = {
  ml100k: '4 tab-separated fields "user item rating timestamp"',
  ml1m: '4 fields "UserID::MovieID::Rating::Timestamp"',
  mllatest: '4 comma-separated fields "userId,movieId,rating,timestamp"',
};

const DELIMITER_NAMES: Record<Delimiter, string> = {
  '\t': 'tabs', ',': 'commas', ';': 'semicolons', ' ': 'whitespace', '::': '"::"',
};

const SAMPLE_LINES = 20;

// ---------------------------------------------------------------------------------------------
// Public entry points

/**
 * A file's bytes → interactions, as every reader here takes them: gunzipped when they start with
 * the gzip magic (whatever the name), UTF-8 with a latin1 fallback, then parsed.
 */
export async function parseInteractionBytes(bytes: Uint8Array, opts: ParseOptions = {}): Promise<RawInteractions> {
  return parseInteractions(decodeText(await maybeGunzip(bytes, opts.source)), opts);
}

/** Parses interaction records from `text`. See the file comment for formats and rules. */
export function parseInteractions(text: string, opts: ParseOptions = {}): RawInteractions {
  const source = opts.source ?? '<input>';
  const format = opts.format ?? 'auto';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new DataError(`unknown format ${JSON.stringify(format)}`, {
      file: source, expected: `one of ${FORMATS.join(', ')}`,
    });
  }
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const sample = sampleLines(text, start, SAMPLE_LINES);
  if (sample.length === 0) {
    throw new DataError('no interactions (the input is empty)', {
      file: source, expected: 'at least one line "user<delimiter>item[<delimiter>value[<delimiter>timestamp]]"',
    });
  }
  const resolved = format === 'auto' ? detectFormatFromSample(sample) : (format as ResolvedFormat);
  const layout = layoutFor(resolved, sample, source);
  return parseBody(text, start, layout, source);
}

/** The format `parseInteractions(text, { format: 'auto' })` would use; null for empty text. */
export function detectFormat(text: string): ResolvedFormat | null {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const sample = sampleLines(text, start, SAMPLE_LINES);
  return sample.length === 0 ? null : detectFormatFromSample(sample);
}

// ---------------------------------------------------------------------------------------------
// Detection

interface SampleLine {
  text: string;
  line: number;
}

/** The first `max` non-empty lines (without line terminators) and their 1-based numbers. */
function sampleLines(text: string, start: number, max: number): SampleLine[] {
  const out: SampleLine[] = [];
  let pos = start;
  let lineNo = 0;
  const n = text.length;
  while (pos < n && out.length < max) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    lineNo++;
    const first = lineNo;
    // a record whose quotes are open goes on over the next lines (RFC 4180 line breaks in a field)
    while (end < n && quotesOpen(text, pos, end)) {
      const next = text.indexOf('\n', end + 1);
      end = next < 0 ? n : next;
      lineNo++;
    }
    let e = end;
    if (e > pos && text.charCodeAt(e - 1) === 13) e--;
    if (!isBlank(text, pos, e)) out.push({ text: text.slice(pos, e), line: first });
    pos = end + 1;
  }
  return out;
}

/** An odd number of double quotes in text[a, b). */
function quotesOpen(text: string, a: number, b: number): boolean {
  let odd = false;
  for (let q = text.indexOf('"', a); q >= 0 && q < b; q = text.indexOf('"', q + 1)) odd = !odd;
  return odd;
}

const MLLATEST_HEADER = 'userid,movieid,rating,timestamp';

function detectFormatFromSample(sample: SampleLine[]): ResolvedFormat {
  const first = sample[0]!.text;
  if (first.includes('::')) return 'ml1m';
  if (first.trim().replace(/["\s]/g, '').toLowerCase() === MLLATEST_HEADER) return 'mllatest';
  // One malformed line among the first ones should be reported as such, not change the format.
  if (looksLikeMl100k(first) && 2 * sample.filter((s) => looksLikeMl100k(s.text)).length >= sample.length) return 'ml100k';
  return 'delimited';
}

function looksLikeMl100k(line: string): boolean {
  const f = line.split('\t');
  if (f.length !== 4) return false;
  return isDigits(f[0]!.trim()) && isDigits(f[1]!.trim())
    && Number.isFinite(numberOf(f[2]!.trim())) && Number.isFinite(numberOf(f[3]!.trim()));
}

function layoutFor(format: ResolvedFormat, sample: SampleLine[], source: string): Layout {
  switch (format) {
    case 'ml100k':
      return { format, delimiter: '\t', fields: 4, numericIds: true, header: false, shape: SHAPES.ml100k, valueName: 'rating' };
    case 'ml1m':
      return { format, delimiter: '::', fields: 4, numericIds: true, header: false, shape: SHAPES.ml1m, valueName: 'rating' };
    case 'mllatest': {
      const f = splitQuoted(sample[0]!.text, ',');
      const header = f.length === 4 && isHeaderValue(f[2]!.trim());
      return { format, delimiter: ',', fields: 4, numericIds: true, header, shape: SHAPES.mllatest, valueName: 'rating' };
    }
    case 'delimited':
      return delimitedLayout(sample, source);
  }
}

const FIELD_NAMES = ['user', 'item', 'value', 'timestamp'];

function delimitedLayout(sample: SampleLine[], source: string): Layout {
  let best: { delimiter: Delimiter; fields: number; agree: number } | null = null;
  for (const d of ['\t', ',', ';'] as const) {
    const counts = sample.map((s) => splitQuoted(s.text, d).length);
    const k = counts[0]!;
    if (k < 2 || k > 4) continue;
    const agree = counts.filter((c) => c === k).length;
    if (best === null || agree > best.agree) best = { delimiter: d, fields: k, agree };
  }
  if (best === null) {
    const counts = sample.map((s) => splitWhitespace(s.text).length);
    const k = counts[0]!;
    if (k >= 2 && k <= 4) best = { delimiter: ' ', fields: k, agree: 0 };
  }
  const first = sample[0]!;
  if (best === null) {
    throw new DataError('cannot detect the field delimiter', {
      file: source, line: first.line, text: first.text,
      expected: '2 to 4 fields "user,item[,value[,timestamp]]" separated by tabs, commas, semicolons or whitespace',
    });
  }
  const { delimiter, fields } = best;
  const f = delimiter === ' ' ? splitWhitespace(first.text) : splitQuoted(first.text, delimiter).map((x) => x.trim());
  let header: boolean;
  if (fields >= 3) header = isHeaderValue(f[2]!);
  else header = USER_COLUMN.test(f[0]!) && ITEM_COLUMN.test(f[1]!);
  const sep = delimiter === ' ' ? ' ' : delimiter === '\t' ? '\\t' : delimiter;
  return {
    format: 'delimited', delimiter, fields, numericIds: false, header,
    shape: `${fields} fields "${FIELD_NAMES.slice(0, fields).join(sep)}" separated by ${DELIMITER_NAMES[delimiter]}`,
    valueName: 'value',
  };
}

const USER_COLUMN = /^["']?(user|customer|visitor|member|account|person|session|u)[ _-]?(id|name)?s?["']?$/i;
const ITEM_COLUMN = /^["']?(item|movie|product|song|track|artist|book|article|video|object|doc(ument)?|i)[ _-]?(id|name)?s?["']?$/i;
const NONFINITE_SPELLING = /^[+-]?(nan|inf|infinity)$/i;

/** A header's value field: not a number and not a spelling of NaN/Infinity (those are bad data). */
function isHeaderValue(field: string): boolean {
  return field.length > 0 && Number.isNaN(numberOf(field)) && !NONFINITE_SPELLING.test(field);
}

/**
 * One line's fields split on `d`, RFC 4180 quotes honoured ("a, b" is one field, "" inside quotes
 * is a quote), unquoted. For detection only: the body loop reads quoted fields itself.
 */
function splitQuoted(line: string, d: string): string[] {
  if (!line.includes('"')) return line.split(d);
  const out: string[] = [];
  let i = 0;
  for (;;) {
    while (line.charCodeAt(i) === 32) i++;
    if (line.charCodeAt(i) === 34) {
      let v = '';
      let j = i + 1;
      for (;;) {
        const q = line.indexOf('"', j);
        if (q < 0) {
          v += line.slice(j);
          j = line.length;
          break;
        }
        if (line.charCodeAt(q + 1) === 34) {
          v += line.slice(j, q + 1);
          j = q + 2;
        } else {
          v += line.slice(j, q);
          j = q + 1;
          break;
        }
      }
      out.push(v);
      const next = line.indexOf(d, j);
      if (next < 0) return out;
      i = next + d.length;
    } else {
      const next = line.indexOf(d, i);
      if (next < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, next));
      i = next + d.length;
    }
  }
}

/**
 * The quoted field whose opening quote is at text[at]: its content with "" read as ", the index
 * of its closing quote, and the line breaks inside it (a record may span lines).
 */
function readQuoted(text: string, at: number, source: string, line: number): { value: string; end: number; newlines: number } {
  let j = at + 1;
  let value = '';
  for (;;) {
    const q = text.indexOf('"', j);
    if (q < 0) {
      throw new DataError('unterminated quoted field', {
        file: source, line, text: text.slice(at, at + 80),
        expected: 'a closing double quote (a quote inside a quoted field is written "")',
      });
    }
    if (text.charCodeAt(q + 1) === 34) {
      value += text.slice(j, q + 1);
      j = q + 2;
      continue;
    }
    value += text.slice(j, q);
    let newlines = 0;
    for (let b = text.indexOf('\n', at); b >= 0 && b < q; b = text.indexOf('\n', b + 1)) newlines++;
    return { value, end: q, newlines };
  }
}

function splitWhitespace(line: string): string[] {
  return line.trim().split(/[ \t]+/);
}

// ---------------------------------------------------------------------------------------------
// The body loop

// Field bounds of the current line: start of field j at [2j], end at [2j+1]. Bounds are kept for
// up to 6 fields (more than any format allows); longer lines are only counted.
const MAX_SEEN = 6;

function parseBody(text: string, start: number, layout: Layout, source: string): RawInteractions {
  const n = text.length;
  const { delimiter, fields, numericIds, valueName } = layout;
  const whitespace = delimiter === ' ';
  const dlen = delimiter.length;
  const trimTabs = delimiter !== '\t';
  const hasValue = fields >= 3;
  const hasTime = fields >= 4;

  let cap = Math.max(16, Math.min(1 << 24, (n / 16) | 0));
  let values = new Float64Array(cap);
  let times = new Float64Array(cap);
  let lines = new Int32Array(cap);
  const users: string[] = [];
  const items: string[] = [];
  let count = 0;
  let header: string[] | undefined;
  let skipHeader = layout.header;
  const cache: (string | undefined)[] = [];

  const d0 = delimiter.charCodeAt(0);
  const d1 = dlen > 1 ? delimiter.charCodeAt(1) : -1;
  const bounds = new Int32Array(2 * MAX_SEEN);
  // RFC 4180 quotes, for comma, semicolon and tab: a field that starts with " runs to the closing
  // quote (delimiters and line breaks inside are part of it, "" is a quote); its content goes here
  const quotable = delimiter === ',' || delimiter === ';' || delimiter === '\t';
  const over: Array<string | undefined> = new Array(MAX_SEEN).fill(undefined);
  let quoted = false;

  let pos = start;
  let lineNo = 0;
  let spanned = 0; // line breaks inside the quotes of the previous record
  while (pos < n) {
    lineNo += 1 + spanned;
    spanned = 0;
    if (quoted) {
      over.fill(undefined);
      quoted = false;
    }
    const lineStart = pos;
    let k = 0;
    let i = pos;
    if (whitespace) {
      i = text.indexOf('\n', pos);
      if (i < 0) i = n;
    } else {
      // One pass over the line: find the delimiters and the end of line together.
      let fs = pos;
      for (; i < n; i++) {
        const ch = text.charCodeAt(i);
        if (ch === 10) break;
        if (ch === 34 && quotable && (i === fs || isBlank(text, fs, i))) {
          const r = readQuoted(text, i, source, lineNo);
          spanned += r.newlines;
          if (k < MAX_SEEN) over[k] = r.value;
          quoted = true;
          // after the closing quote: spaces, then the delimiter or the end of the line
          let j = r.end + 1;
          while (j < n && isSpace(text.charCodeAt(j), d0 !== 9)) j++;
          const cj = j < n ? text.charCodeAt(j) : 10;
          if (!(cj === 10 || cj === 13 || (cj === d0 && (d1 < 0 || text.charCodeAt(j + 1) === d1)))) {
            throw new DataError('text after the closing quote of a field', {
              file: source, line: lineNo + spanned, text: text.slice(i, Math.min(n, j + 20)),
              expected: `${DELIMITER_NAMES[delimiter]} or the end of the line after a closing quote`,
            });
          }
          i = j - 1;
          continue;
        }
        if (ch === d0 && (d1 < 0 || text.charCodeAt(i + 1) === d1)) {
          if (k < MAX_SEEN) {
            bounds[2 * k] = fs;
            bounds[2 * k + 1] = i;
          }
          k++;
          i += dlen - 1;
          fs = i + 1;
        }
      }
      if (k < MAX_SEEN) bounds[2 * k] = fs;
      k++;
    }
    const end = i;
    pos = end + 1;
    let e = end;
    if (e > lineStart && text.charCodeAt(e - 1) === 13) e--;
    if (e === lineStart) continue;
    const c0 = text.charCodeAt(lineStart);
    if ((c0 === 32 || c0 === 9 || c0 === 13) && isBlank(text, lineStart, e)) continue;

    if (whitespace) {
      k = splitRuns(text, lineStart, e, bounds);
    } else if (k <= MAX_SEEN) {
      const last = 2 * (k - 1);
      bounds[last + 1] = e > bounds[last]! ? e : bounds[last]!;
    }

    if (k !== fields) {
      throw new DataError(`wrong number of fields (${k})`, {
        file: source, line: lineNo, text: text.slice(lineStart, e), expected: layout.shape,
      });
    }
    // Trim spaces (and tabs unless tab is the delimiter) around each field.
    for (let j = 0; j < k; j++) {
      if (quoted && over[j] !== undefined) continue;
      let fa = bounds[2 * j]!, fb = bounds[2 * j + 1]!;
      if (fa < fb && (isSpace(text.charCodeAt(fa), trimTabs) || isSpace(text.charCodeAt(fb - 1), trimTabs))) {
        while (fa < fb && isSpace(text.charCodeAt(fa), trimTabs)) fa++;
        while (fb > fa && isSpace(text.charCodeAt(fb - 1), trimTabs)) fb--;
        bounds[2 * j] = fa;
        bounds[2 * j + 1] = fb;
      }
    }
    if (skipHeader) {
      skipHeader = false;
      header = [];
      for (let j = 0; j < k; j++) header.push((quoted ? over[j] : undefined) ?? text.slice(bounds[2 * j]!, bounds[2 * j + 1]!));
      continue;
    }

    let user: string | null;
    let item: string | null;
    let v = 1;
    let t = NaN;
    if (quoted) {
      // a record with a quoted field: the slow path, on the fields' strings
      const field = (j: number): string => over[j] ?? text.slice(bounds[2 * j]!, bounds[2 * j + 1]!);
      const rec = text.slice(lineStart, e);
      user = field(0);
      item = field(1);
      for (const [id, which] of [[user, 'user'], [item, 'item']] as const) {
        if (id.length === 0) {
          throw new DataError(`empty ${which} id`, { file: source, line: lineNo, text: rec, expected: `a non-empty ${which} id` });
        }
        if (numericIds && !isDigits(id)) {
          throw new DataError(`${which} id ${JSON.stringify(id)} is not a non-negative integer`, {
            file: source, line: lineNo, text: rec, expected: `a non-negative integer ${which} id (MovieLens)`,
          });
        }
      }
      const num = (j: number, name: string): number => {
        const f = field(j).trim();
        const x = numberOf(f);
        if (x !== x) {
          throw new DataError(f.length === 0 ? `empty ${name}` : `${name} ${JSON.stringify(f)} is not a finite number`, {
            file: source, line: lineNo, text: rec, expected: `a finite decimal ${name}`,
          });
        }
        return x;
      };
      if (hasValue) v = num(2, valueName);
      if (hasTime) t = num(3, 'timestamp');
    } else {
      const ua = bounds[0]!, ub = bounds[1]!, ia = bounds[2]!, ib = bounds[3]!;
      if (ua === ub || ia === ib) {
        const which = ua === ub ? 'user' : 'item';
        throw new DataError(`empty ${which} id`, {
          file: source, line: lineNo, text: text.slice(lineStart, e), expected: `a non-empty ${which} id`,
        });
      }
      user = idString(text, ua, ub, cache);
      item = idString(text, ia, ib, cache);
      if (numericIds && (user === null || item === null)) {
        checkMlId(text, ua, ub, 'user', source, lineNo, lineStart, e);
        checkMlId(text, ia, ib, 'item', source, lineNo, lineStart, e);
      }
      user ??= text.slice(ua, ub);
      item ??= text.slice(ia, ib);
      if (hasValue) {
        v = parseNumber(text, bounds[4]!, bounds[5]!);
        if (v !== v) badNumber(text, bounds[4]!, bounds[5]!, valueName, source, lineNo, lineStart, e);
        if (hasTime) {
          t = parseNumber(text, bounds[6]!, bounds[7]!);
          if (t !== t) badNumber(text, bounds[6]!, bounds[7]!, 'timestamp', source, lineNo, lineStart, e);
        }
      }
    }

    if (count === cap) {
      cap *= 2;
      values = grow(values, cap);
      times = grow(times, cap);
      lines = grow(lines, cap);
    }
    users.push(user);
    items.push(item);
    values[count] = v;
    times[count] = t;
    lines[count] = lineNo;
    count++;
  }

  if (count === 0) {
    throw new DataError(header ? 'no interactions (only a header line)' : 'no interactions', {
      file: source, expected: `at least one line of ${layout.shape}`,
    });
  }
  const out: RawInteractions = {
    users, items,
    values: values.slice(0, count),
    timestamps: times.slice(0, count),
    lines: lines.slice(0, count),
    format: layout.format,
    source,
    delimiter,
  };
  if (header) out.header = header;
  return out;
}

const CACHE_LIMIT = 1 << 22;

/**
 * The id text[a, b) when it is all digits: canonical ones (no leading zero) below CACHE_LIMIT are
 * shared through `cache` (fewer strings, and a shared string's hash is computed once for the id
 * maps later). Null when the id has a non-digit.
 */
function idString(text: string, a: number, b: number, cache: (string | undefined)[]): string | null {
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return null;
    v = v * 10 + c;
  }
  if (v >= CACHE_LIMIT || (text.charCodeAt(a) === 48 && b - a > 1)) return text.slice(a, b);
  let s = cache[v];
  if (s === undefined) {
    s = text.slice(a, b);
    cache[v] = s;
  }
  return s;
}

function grow<T extends Float64Array | Int32Array>(a: T, cap: number): T {
  const b = new (a.constructor as { new (n: number): T })(cap);
  b.set(a);
  return b;
}

/** Splits [a, e) on runs of spaces/tabs into `bounds`; returns the field count (capped). */
function splitRuns(text: string, a: number, e: number, bounds: Int32Array): number {
  let k = 0;
  let i = a;
  while (i < e) {
    while (i < e && isSpace(text.charCodeAt(i), true)) i++;
    if (i >= e) break;
    const s = i;
    while (i < e && !isSpace(text.charCodeAt(i), true)) i++;
    if (k < MAX_SEEN) {
      bounds[2 * k] = s;
      bounds[2 * k + 1] = i;
    }
    k++;
  }
  return k;
}

function isSpace(c: number, tabs: boolean): boolean {
  return c === 32 || (tabs && c === 9) || c === 13;
}

function isBlank(text: string, a: number, b: number): boolean {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

function checkMlId(
  text: string, a: number, b: number, which: 'user' | 'item',
  source: string, line: number, lineStart: number, lineEnd: number,
): void {
  for (let i = a; i < b; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) {
      const id = text.slice(a, b);
      const v = numberOf(id);
      const problem = v < 0 || (id.charCodeAt(0) === 45 && !Number.isNaN(v))
        ? `negative ${which} id ${JSON.stringify(id)}`
        : `${which} id ${JSON.stringify(id)} is not a non-negative integer`;
      throw new DataError(problem, {
        file: source, line, text: text.slice(lineStart, lineEnd),
        expected: `a non-negative integer ${which} id (MovieLens)`,
      });
    }
  }
}

function badNumber(
  text: string, a: number, b: number, name: string,
  source: string, line: number, lineStart: number, lineEnd: number,
): never {
  const s = text.slice(a, b);
  const problem = s.length === 0 ? `empty ${name}` : `${name} ${JSON.stringify(s)} is not a finite number`;
  throw new DataError(problem, {
    file: source, line, text: text.slice(lineStart, lineEnd), expected: `a finite decimal ${name}`,
  });
}

// ---------------------------------------------------------------------------------------------
// Numbers

/**
 * A finite decimal number in text[a, b), or NaN. Fast path for [+-]digits[.digits] with at most
 * 15 significant digits (exact integer ÷ exact power of ten, so correctly rounded, the same as
 * Number()); everything else goes through numberOf.
 */
function parseNumber(text: string, a: number, b: number): number {
  if (a >= b) return NaN;
  let i = a;
  let neg = false;
  let c = text.charCodeAt(i);
  if (c === 45 || c === 43) {
    neg = c === 45;
    i++;
  }
  let mant = 0;
  let digits = 0;
  let scale = 0;
  let sawDot = false;
  for (; i < b; i++) {
    c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      mant = mant * 10 + (c - 48);
      digits++;
      if (sawDot) scale++;
    } else if (c === 46 && !sawDot) {
      sawDot = true;
    } else {
      return numberOf(text.slice(a, b));
    }
  }
  if (digits === 0) return NaN;
  if (digits > 15) return numberOf(text.slice(a, b));
  const v = scale === 0 ? mant : mant / POW10[scale]!;
  return neg ? -v : v;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16];

/** Number(s) restricted to finite decimal notation (no hex/octal/binary, no empty string). */
function numberOf(s: string): number {
  if (s.length === 0) return NaN;
  const v = Number(s);
  if (!Number.isFinite(v)) return NaN;
  if (v === 0 && s.trim().length === 0) return NaN;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 43 || c0 === 45) i = 1;
  if (s.charCodeAt(i) === 48 && s.length > i + 1) {
    const c1 = s.charCodeAt(i + 1) | 32;
    if (c1 === 120 || c1 === 98 || c1 === 111) return NaN; // 0x 0b 0o
  }
  return v;
}

// The one error type of the data layer. Every problem with user-supplied input (a file, its
// contents, or a data option) throws a DataError whose message says where, what, and what was
// expected:
//
//   <file>:<line>: <what is wrong> in "<text (first 80 chars)>"; expected <what>
//
// Parts that are unknown are left out: no line gives `<file>: ...`, no file gives `line <n>: ...`,
// no text drops the `in "..."` part, no expectation drops the `; expected ...` part.

/** How much of the offending text the message quotes. */
const QUOTE_CHARS = 80;
/** How much of the offending text the `text` field keeps. */
const KEEP_CHARS = 1000;

export interface DataErrorInfo {
  /** The file or source name (whatever the caller passed as `source`). */
  file?: string;
  /** 1-based line number inside `file`. */
  line?: number;
  /** The offending line (or field). */
  text?: string;
  /** What was expected instead, e.g. `4 fields separated by "::"`. */
  expected?: string;
}

export class DataError extends Error {
  /** Stable code for programs: bad input data. */
  readonly code = 'ERR_UNTRAIN_DATA';

  readonly file?: string;
  readonly line?: number;
  readonly text?: string;
  /** The "what is wrong" part of the message alone. */
  readonly problem: string;
  /** The "expected" part of the message alone. */
  readonly expected?: string;

  constructor(problem: string, info: DataErrorInfo = {}) {
    super(formatDataError(problem, info));
    this.name = 'DataError';
    this.problem = problem;
    if (info.file !== undefined) this.file = info.file;
    if (info.line !== undefined) this.line = info.line;
    if (info.text !== undefined) this.text = info.text.length > KEEP_CHARS ? info.text.slice(0, KEEP_CHARS) : info.text;
    if (info.expected !== undefined) this.expected = info.expected;
  }
}

/** Quotes text as a JSON string (so tabs and control characters are visible), cut at `max` chars. */
export function quote(text: string, max = QUOTE_CHARS): string {
  const cut = text.length > max ? text.slice(0, max) + '…' : text;
  return JSON.stringify(cut);
}

function formatDataError(problem: string, info: DataErrorInfo): string {
  let where = '';
  if (info.file !== undefined && info.file !== '') {
    where = info.line !== undefined ? `${info.file}:${info.line}: ` : `${info.file}: `;
  } else if (info.line !== undefined) {
    where = `line ${info.line}: `;
  }
  const inText = info.text !== undefined ? ` in ${quote(info.text)}` : '';
  const expected = info.expected !== undefined ? `; expected ${info.expected}` : '';
  return `${where}${problem}${inText}${expected}`;
}

import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../../src/data/errors.js';
import { decodeText, isGzip, maybeGunzip } from '../../src/data/gzip.js';
import { detectFormat, parseInteractions, type RawInteractions } from '../../src/data/parse.js';
import { readInteractionsFile } from '../../src/node/files.js';
import { dataError } from '../helpers.js';


async function dataErrorAsync(f: () => Promise<unknown>): Promise<DataError> {
  try {
    await f();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError, nothing was thrown');
}

function rows(raw: RawInteractions): Array<[string, string, number, number]> {
  return raw.users.map((u, k) => [u, raw.items[k]!, raw.values[k]!, raw.timestamps[k]!]);
}

describe('DataError', () => {
  it('formats file:line, the quoted text (first 80 chars) and the expectation', () => {
    const long = 'x'.repeat(200);
    const e = new DataError('bad thing', { file: 'f.csv', line: 7, text: long, expected: 'a good thing' });
    expect(e.message).toBe(`f.csv:7: bad thing in "${'x'.repeat(80)}…"; expected a good thing`);
    expect(e.file).toBe('f.csv');
    expect(e.line).toBe(7);
    expect(e.text).toBe(long);
    expect(e.name).toBe('DataError');
    expect(e).toBeInstanceOf(Error);
    expect(new DataError('empty', { file: 'a' }).message).toBe('a: empty');
    expect(new DataError('oops', { expected: 'fine' }).message).toBe('oops; expected fine');
  });
});

describe('format detection', () => {
  it('recognises each format from the content', () => {
    expect(detectFormat('196\t242\t3\t881250949\n186\t302\t3\t891717742\n')).toBe('ml100k');
    expect(detectFormat('1::1193::5::978300760\n1::661::3::978302109\n')).toBe('ml1m');
    expect(detectFormat('userId,movieId,rating,timestamp\n1,1,4.0,964982703\n')).toBe('mllatest');
    expect(detectFormat('\uFEFFuserId,movieId,rating,timestamp\r\n1,1,4.0,964982703\r\n')).toBe('mllatest');
    expect(detectFormat('alice,book1,5\nbob,book2,3\n')).toBe('delimited');
    expect(detectFormat('1\t2\n3\t4\n')).toBe('delimited'); // tab but only 2 fields
    expect(detectFormat('u1\ti1\t3\t100\n')).toBe('delimited'); // tab, 4 fields, non-numeric ids
    expect(detectFormat('\n\n  \n')).toBeNull();
  });

  it('skips leading blank lines when detecting', () => {
    const raw = parseInteractions('\n\n1::2::3::4\n');
    expect(raw.format).toBe('ml1m');
    expect(raw.lines[0]).toBe(3);
  });
});

describe('MovieLens formats', () => {
  it('ml100k: tab separated, no header', () => {
    const raw = parseInteractions('196\t242\t3\t881250949\n186\t302\t3.5\t891717742\n', { source: 'u.data' });
    expect(raw.format).toBe('ml100k');
    expect(raw.source).toBe('u.data');
    expect(rows(raw)).toEqual([['196', '242', 3, 881250949], ['186', '302', 3.5, 891717742]]);
    expect(Array.from(raw.lines)).toEqual([1, 2]);
  });

  it('ml1m: "::" separated, CRLF and no final newline accepted', () => {
    const raw = parseInteractions('1::1193::5::978300760\r\n2::661::3::978302109', { format: 'ml1m' });
    expect(rows(raw)).toEqual([['1', '1193', 5, 978300760], ['2', '661', 3, 978302109]]);
    expect(raw.delimiter).toBe('::');
  });

  it('mllatest: header kept aside, half stars, ids kept as written', () => {
    const raw = parseInteractions('userId,movieId,rating,timestamp\n1,007,0.5,964982703\n1,193609,4.5,964981247\n');
    expect(raw.format).toBe('mllatest');
    expect(raw.header).toEqual(['userId', 'movieId', 'rating', 'timestamp']);
    expect(rows(raw)).toEqual([['1', '007', 0.5, 964982703], ['1', '193609', 4.5, 964981247]]);
    expect(raw.lines[0]).toBe(2);
  });

  it('mllatest given explicitly also reads a file without header', () => {
    const raw = parseInteractions('1,2,3,4\n', { format: 'mllatest' });
    expect(rows(raw)).toEqual([['1', '2', 3, 4]]);
    expect(raw.header).toBeUndefined();
  });
});

describe('delimited format', () => {
  it('comma with a header: string ids, value, no timestamp', () => {
    const raw = parseInteractions('user,item,rating\nalice,The Book,5\nbob,42,2.5\n');
    expect(raw.format).toBe('delimited');
    expect(raw.delimiter).toBe(',');
    expect(raw.header).toEqual(['user', 'item', 'rating']);
    expect(rows(raw)).toEqual([['alice', 'The Book', 5, NaN], ['bob', '42', 2.5, NaN]]);
  });

  it('two fields: value 1, timestamp NaN; a user,item header is recognised', () => {
    const raw = parseInteractions('user_id,item_id\nu1,i1\nu1,i2\n');
    expect(raw.header).toEqual(['user_id', 'item_id']);
    expect(rows(raw)).toEqual([['u1', 'i1', 1, NaN], ['u1', 'i2', 1, NaN]]);
    const noHeader = parseInteractions('a,b\nc,d\n');
    expect(noHeader.header).toBeUndefined();
    expect(noHeader.users).toEqual(['a', 'c']);
  });

  it('tab, semicolon and whitespace delimiters', () => {
    expect(rows(parseInteractions('x\ty\t2\n'))).toEqual([['x', 'y', 2, NaN]]);
    const semi = parseInteractions('x;y;2;100\nz;w;1;200\n');
    expect(semi.delimiter).toBe(';');
    expect(rows(semi)).toEqual([['x', 'y', 2, 100], ['z', 'w', 1, 200]]);
    const ws = parseInteractions('  x   y  2\n\tz w 1 \n');
    expect(ws.delimiter).toBe(' ');
    expect(rows(ws)).toEqual([['x', 'y', 2, NaN], ['z', 'w', 1, NaN]]);
  });

  it('trims spaces, skips blank lines, strips a BOM, accepts exponents and signs', () => {
    const raw = parseInteractions('\uFEFF a , b , 1e1 , 5 \n\n   \r\nc,d,-2,+3\r\n', { source: 's' });
    expect(rows(raw)).toEqual([['a', 'b', 10, 5], ['c', 'd', -2, 3]]);
    expect(Array.from(raw.lines)).toEqual([1, 4]);
  });

  it('negative and odd-looking ids are plain strings in the generic format', () => {
    expect(rows(parseInteractions('-3,NaN,1\n'))).toEqual([['-3', 'NaN', 1, NaN]]);
  });
});

describe('bad input', () => {
  it('a malformed line (too few fields) reports file:line and the text', () => {
    const e = dataError(() => parseInteractions('1::2::3::4\n1::2::3\n', { source: 'ratings.dat' }));
    expect(e.file).toBe('ratings.dat');
    expect(e.line).toBe(2);
    expect(e.text).toBe('1::2::3');
    expect(e.message).toBe('ratings.dat:2: wrong number of fields (3) in "1::2::3"; expected 4 fields "UserID::MovieID::Rating::Timestamp"');
  });

  it('too many fields, and a field count that changes inside a delimited file', () => {
    const a = dataError(() => parseInteractions('1\t2\t3\t4\n1\t2\t3\t4\t5\n', { source: 'u.data' }));
    expect(a.message).toMatch(/^u\.data:2: wrong number of fields \(5\) in "1\\t2\\t3\\t4\\t5"; expected 4 tab-separated/);
    const b = dataError(() => parseInteractions('a,b,1\nc,d,2\ne,f\n', { source: 'x.csv' }));
    expect(b.line).toBe(3);
    expect(b.message).toContain('x.csv:3: wrong number of fields (2) in "e,f"; expected 3 fields "user,item,value" separated by commas');
    const c = dataError(() => parseInteractions('justonefield\n', { source: 'one.txt' }));
    expect(c.message).toContain('one.txt:1: cannot detect the field delimiter');
    const d = dataError(() => parseInteractions('1,2,3,4\n', { format: 'ml1m' }));
    expect(d.message).toContain('wrong number of fields (1)');
  });

  it('NaN, Infinity, non-numeric, hex and empty values', () => {
    for (const v of ['NaN', 'Infinity', '-Infinity', 'abc', '0x10', '1e999', '']) {
      const e = dataError(() => parseInteractions(`a,b,1\nc,d,${v}\n`, { source: 'v.csv' }));
      expect(e.line).toBe(2);
      expect(e.text).toBe(`c,d,${v}`);
      expect(e.message).toMatch(v === '' ? /empty value/ : /value ".*" is not a finite number/);
      expect(e.message).toContain('expected a finite decimal value');
    }
    const r = dataError(() => parseInteractions('1::2::NaN::4\n', { source: 'r.dat' }));
    expect(r.message).toBe('r.dat:1: rating "NaN" is not a finite number in "1::2::NaN::4"; expected a finite decimal rating');
    const t = dataError(() => parseInteractions('1\t2\t3\tsoon\n', { format: 'ml100k' }));
    expect(t.message).toContain('timestamp "soon" is not a finite number');
  });

  it('a NaN first line is bad data, not a header', () => {
    const e = dataError(() => parseInteractions('a,b,NaN\nc,d,1\n'));
    expect(e.line).toBe(1);
  });

  it('negative, NaN, Infinity and non-integer ids in the MovieLens formats', () => {
    const neg = dataError(() => parseInteractions('1::2::3::4\n-3::5::3::4\n', { source: 'm.dat' }));
    expect(neg.message).toBe('m.dat:2: negative user id "-3" in "-3::5::3::4"; expected a non-negative integer user id (MovieLens)');
    const negItem = dataError(() => parseInteractions('7\t-1\t3\t4\n', { format: 'ml100k' }));
    expect(negItem.message).toContain('negative item id "-1"');
    const nan = dataError(() => parseInteractions('NaN::5::3::4\n', { format: 'ml1m' }));
    expect(nan.message).toContain('user id "NaN" is not a non-negative integer');
    const inf = dataError(() => parseInteractions('userId,movieId,rating,timestamp\n1,Infinity,3,4\n'));
    expect(inf.line).toBe(2);
    expect(inf.message).toContain('item id "Infinity" is not a non-negative integer');
    const frac = dataError(() => parseInteractions('1.5::5::3::4\n'));
    expect(frac.message).toContain('user id "1.5" is not a non-negative integer');
  });

  it('empty ids', () => {
    const e = dataError(() => parseInteractions('a,b,1\n,b,1\n', { source: 'e.csv' }));
    expect(e.message).toBe('e.csv:2: empty user id in ",b,1"; expected a non-empty user id');
    const f = dataError(() => parseInteractions('1::::3::4\n', { format: 'ml1m' }));
    expect(f.message).toContain('empty item id');
  });

  it('empty data', () => {
    for (const text of ['', '\n\n', '  \r\n\t\n', '\uFEFF']) {
      const e = dataError(() => parseInteractions(text, { source: 'empty.csv' }));
      expect(e.message).toMatch(/^empty\.csv: no interactions/);
    }
    const h = dataError(() => parseInteractions('userId,movieId,rating,timestamp\n', { source: 'h.csv' }));
    expect(h.message).toMatch(/^h\.csv: no interactions \(only a header line\)/);
  });

  it('unknown format', () => {
    const e = dataError(() => parseInteractions('1,2\n', { format: 'csv', source: 'f' }));
    expect(e.message).toBe('f: unknown format "csv"; expected one of auto, ml100k, ml1m, mllatest, delimited');
  });

  it('long lines are quoted to 80 characters', () => {
    const long = '1::2::3::' + '9'.repeat(100) + '::5';
    const e = dataError(() => parseInteractions(long, { source: 'l' }));
    expect(e.message).toContain(`in "${long.slice(0, 80)}…"`);
    expect(e.text).toBe(long);
  });
});

describe('gzip and text decoding', () => {
  it('maybeGunzip decompresses gzip and passes other bytes through', async () => {
    const text = 'user,item\nä,b\n'.repeat(1000);
    const gz = new Uint8Array(gzipSync(Buffer.from(text)));
    expect(isGzip(gz)).toBe(true);
    const out = await maybeGunzip(gz);
    expect(decodeText(out)).toBe(text);
    const plain = new TextEncoder().encode('abc');
    expect(await maybeGunzip(plain)).toBe(plain);
  });

  it('corrupt gzip is a DataError', async () => {
    const gz = new Uint8Array(gzipSync(Buffer.from('hello world '.repeat(100))));
    const broken = gz.slice(0, gz.length - 20);
    const e = await dataErrorAsync(() => maybeGunzip(broken, 'bad.gz'));
    expect(e.message).toMatch(/^bad\.gz: corrupt or truncated gzip data/);
  });

  it('decodeText strips a BOM and falls back to latin1', () => {
    expect(decodeText(new Uint8Array([0xef, 0xbb, 0xbf, 0x61, 0xc3, 0xa9]))).toBe('aé');
    expect(decodeText(new Uint8Array([0x4d, 0x69, 0x73, 0xe9, 0x72]))).toBe('Misér');
  });
});

describe('readInteractionsFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'untrain-als-data-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a gzip file back (round trip through node:zlib), detected by magic not by name', async () => {
    const text = 'userId,movieId,rating,timestamp\n1,10,4.0,100\n2,10,3.5,200\n2,11,5.0,300\n';
    await writeFile(join(dir, 'r.csv.gz'), gzipSync(Buffer.from(text)));
    await writeFile(join(dir, 'r-no-extension'), gzipSync(Buffer.from(text)));
    for (const name of ['r.csv.gz', 'r-no-extension']) {
      const raw = await readInteractionsFile(join(dir, name));
      expect(raw.format).toBe('mllatest');
      expect(raw.source).toBe(join(dir, name));
      expect(rows(raw)).toEqual([['1', '10', 4, 100], ['2', '10', 3.5, 200], ['2', '11', 5, 300]]);
    }
  });

  it('reads a latin1 file and honours an explicit format', async () => {
    await writeFile(join(dir, 'l.txt'), Buffer.from([0x4a, 0xe9, 0x2c, 0x62, 0x0a])); // "Jé,b\n" in latin1
    const raw = await readInteractionsFile(join(dir, 'l.txt'), { format: 'delimited' });
    expect(raw.users).toEqual(['Jé']);
  });

  it('errors from the parser name the file', async () => {
    await writeFile(join(dir, 'bad.dat'), '1::2::3::4\n5::6\n');
    const e = await dataErrorAsync(() => readInteractionsFile(join(dir, 'bad.dat')));
    expect(e.message.startsWith(`${join(dir, 'bad.dat')}:2: wrong number of fields (2) in "5::6"`)).toBe(true);
  });

  it('a missing file and a directory give a DataError naming the path', async () => {
    const missing = join(dir, 'nope.csv');
    const e = await dataErrorAsync(() => readInteractionsFile(missing));
    expect(e.message).toBe(`${missing}: no such file; expected an existing interactions file`);
    expect(e.file).toBe(missing);
    const sub = join(dir, 'sub');
    await mkdir(sub);
    const d = await dataErrorAsync(() => readInteractionsFile(sub));
    expect(d.message).toBe(`${sub}: is a directory, not a file; expected an interactions file`);
  });
});

describe('CSV quoting (RFC 4180)', () => {
  const P = (text: string) => parseInteractions(text, { source: 'q.csv' });
  it('reads quoted ids, with delimiters, doubled quotes and line breaks inside', () => {
    const r = P('"u1","i1",5\n"Smith, J",i1,4\n"a ""b""",x,3\n"multi\nline",i2,2\nu3,"i;3",1\n');
    expect(r.users).toEqual(['u1', 'Smith, J', 'a "b"', 'multi\nline', 'u3']);
    expect(r.items).toEqual(['i1', 'i1', 'x', 'i2', 'i;3']);
    expect(Array.from(r.values)).toEqual([5, 4, 3, 2, 1]);
    // line numbers stay physical lines: the record after the two-line one starts on line 6
    expect(Array.from(r.lines)).toEqual([1, 2, 3, 4, 6]);
  });

  it('takes a header with quoted names, quoted numbers, CRLF, semicolons and tabs', () => {
    const h = P('"user","item","rating"\r\n"a","b","4.5"\r\nc,"d",2\r\n');
    expect(h.header).toEqual(['user', 'item', 'rating']);
    expect(h.users).toEqual(['a', 'c']);
    expect(Array.from(h.values)).toEqual([4.5, 2]);
    const s = P('user;item\n"x;y";z\n"w";"v"\n');
    expect(s.delimiter).toBe(';');
    expect(s.users).toEqual(['x;y', 'w']);
    const t = P('"a\tb"\ti\t1\nc\t"j"\t2\n');
    expect(t.delimiter).toBe('\t');
    expect(t.users).toEqual(['a\tb', 'c']);
    // MovieLens latest with quoted ids
    const m = P('userId,movieId,rating,timestamp\n"1","31",2.5,1260759144\n');
    expect(m.format).toBe('mllatest');
    expect(m.users).toEqual(['1']);
    expect(m.items).toEqual(['31']);
  });

  it('gives file:line errors: unterminated quote, text after a closing quote, a bad value after a multi-line record', () => {
    expect(() => P('a,b,1\n"open,x,2\nc,d,3\n')).toThrow(/^q\.csv:2: unterminated quoted field/);
    expect(() => P('a,b,1\n"x"y,z,2\n')).toThrow(/^q\.csv:2: text after the closing quote of a field/);
    expect(() => P('"two\nlines",b,1\nc,d,zz\n')).toThrow(/^q\.csv:3: value "zz" is not a finite number/);
    expect(() => P('"",b,1\n')).toThrow(/q\.csv:1: empty user id/);
    expect(() => P('userId,movieId,rating,timestamp\n"1x","31",2.5,1\n')).toThrow(/q\.csv:2: user id "1x" is not a non-negative integer/);
    expect(() => P('a,"b",1,2,3\n')).toThrow(DataError);
  });

  it('leaves unquoted data exactly as before (a quote inside an unquoted field is a character)', () => {
    const r = P('ab"c,d,1\n');
    expect(r.users).toEqual(['ab"c']);
  });
});

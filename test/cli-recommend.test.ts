// `untrain-als recommend` for many users: a file of ids or all, CSV or JSON lines, batch by batch.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInteractions } from '../src/data/parse.js';
import { runCli } from './helpers.js';

let dir: string;
let model: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-rec-'));
  model = join(dir, 'm.uals');
  const r = await runCli(['train', '--factors', '8', '--iterations', '5', '--tol', '0', '--out', model]);
  expect(r.code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('untrain-als recommend --users', () => {
  it('all users to CSV: n rows per user, the same lists as --user, ranks 1..n', async () => {
    const out = join(dir, 'recs.csv');
    const r = await runCli(['recommend', '--model', model, '--users', 'all', '-n', '3', '--filter-items', '0,1', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const rows = readFileSync(out, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('user,rank,item,score');
    expect(rows.length - 1).toBe(2000 * 3);
    const one = JSON.parse((await runCli(['recommend', '--model', model, '--user', '17', '-n', '3', '--filter-items', '0,1', '--json'])).stdout);
    const mine = rows.filter((l) => l.startsWith('17,')).map((l) => l.split(','));
    expect(mine.map((f) => f[2])).toEqual(one.items.map((x: { item: string }) => x.item));
    expect(mine.map((f) => f[1])).toEqual(['1', '2', '3']);
    expect(mine.every((f) => f[2] !== '0' && f[2] !== '1')).toBe(true);
    // and it reads back as delimited data with a header
    expect(parseInteractions(readFileSync(out, 'utf8')).header).toEqual(['user', 'rank', 'item', 'score']);
  });

  it('a file of ids (header skipped) to JSON lines on stdout; an unknown id fails before any output', async () => {
    const ids = join(dir, 'ids.txt');
    await writeFile(ids, 'user_id\n5\n"9"\n12,extra\n');
    const r = await runCli(['recommend', '--model', model, '--users', ids, '-n', '2']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.map((l) => l.user)).toEqual(['5', '9', '12']);
    expect(lines.every((l) => l.items.length === 2)).toBe(true);
    await writeFile(ids, '5\nnobody\n');
    const bad = await runCli(['recommend', '--model', model, '--users', ids, '--out', join(dir, 'x.jsonl')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/unknown user "nobody"/);
    const usage = await runCli(['recommend', '--model', model, '--users', 'all', '--out', join(dir, 'x.txt')]);
    expect(usage.code).toBe(2);
  });
});

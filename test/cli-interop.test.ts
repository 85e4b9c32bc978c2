// `untrain-als import --from implicit` and `export --to implicit` on implicit's own model file.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readNpy, readZip } from '../src/data/npz.js';
import { decodeModel } from '../src/model/persist.js';
import { FIXTURES, SHARED_DATA, runCli } from './helpers.js';

const DIR = join(FIXTURES, 'implicit-ml100k-k16');
const meta = JSON.parse(readFileSync(join(DIR, 'implicit-als-ml100k-k16.json'), 'utf8'));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-interop-'));
  await writeFile(join(dir, 'users.txt'), meta.user_ids_in_row_order.join('\n') + '\n');
  await writeFile(join(dir, 'items.txt'), meta.item_ids_in_row_order.join('\n') + '\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('untrain-als import / export (implicit)', () => {
  it('imports, recommends as implicit did, forgets, and exports an npz with the same factors', async () => {
    const m = join(dir, 'm.uals');
    const r = await runCli(['import', '--from', 'implicit', '--model', join(DIR, 'implicit-als-ml100k-k16.npz'), '--data', join(SHARED_DATA, 'ml-100k/u.data'),
      '--values', 'ones', '--users', join(dir, 'users.txt'), '--items', join(dir, 'items.txt'), '--out', m, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).pairs).toBe(100000);
    const rec = JSON.parse((await runCli(['recommend', '--model', m, '--user', '1', '--json'])).stdout);
    expect(rec.items.map((x: { item: string }) => x.item)).toEqual(meta.recommend_filter_liked_N10['1'].items);
    const f = await runCli(['forget', '--model', m, '--user', '1', '--json']);
    expect(f.code, f.stderr).toBe(0);
    const out = join(dir, 'back.npz');
    const e = await runCli(['export', '--to', 'implicit', '--model', m, '--out', out]);
    expect(e.code, e.stderr).toBe(0);
    const files = await readZip(readFileSync(out));
    const snap = decodeModel(readFileSync(m));
    expect(Array.from(readNpy(files.get('user_factors.npy')!).data as Float32Array)).toEqual(Array.from(snap.userFactors));
    const ids = readFileSync(`${out}.users.txt`, 'utf8').trim().split('\n');
    expect(ids).toEqual(snap.users.ids);
    expect(ids).not.toContain('1'); // the forgotten user is not in the export either
  });

  it('export --to npy and --to csv write the factors with their ids in row order', async () => {
    const m = join(dir, 'm.uals');
    const snap = decodeModel(readFileSync(m));
    const npyDir = join(dir, 'npy');
    expect((await runCli(['export', '--to', 'npy', '--model', m, '--out', npyDir])).code).toBe(0);
    const X = readNpy(readFileSync(join(npyDir, 'user_factors.npy')));
    expect(X.shape).toEqual([snap.users.size, 16]);
    expect(Array.from(X.data as Float32Array)).toEqual(Array.from(snap.userFactors));
    expect(readFileSync(join(npyDir, 'items.txt'), 'utf8').trim().split('\n')).toEqual(snap.items.ids);
    const csvDir = join(dir, 'csv');
    expect((await runCli(['export', '--to', 'csv', '--model', m, '--out', csvDir])).code).toBe(0);
    const rows = readFileSync(join(csvDir, 'item_factors.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe(`id,${Array.from({ length: 16 }, (_, f) => `f${f}`).join(',')}`);
    expect(rows.length - 1).toBe(snap.items.size);
    const first = rows[1].split(',');
    expect(first[0]).toBe(snap.items.id(0));
    expect(first.slice(1).map(Number)).toEqual(Array.from(snap.itemFactors.subarray(0, 16)));
  });

  it('refuses what it cannot read with a usage error or a reason', async () => {
    expect((await runCli(['import', '--from', 'lightfm', '--model', 'x'])).code).toBe(2);
    const missing = await runCli(['import', '--from', 'implicit', '--model', join(dir, 'none.npz'), '--data', join(SHARED_DATA, 'ml-100k/u.data'),
      '--users', join(dir, 'users.txt'), '--items', join(dir, 'items.txt'), '--out', join(dir, 'x.uals')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no such file/);
    const notZip = join(dir, 'bad.npz');
    await writeFile(notZip, 'hello');
    const bad = await runCli(['import', '--from', 'implicit', '--model', notZip, '--data', join(SHARED_DATA, 'ml-100k/u.data'),
      '--users', join(dir, 'users.txt'), '--items', join(dir, 'items.txt'), '--out', join(dir, 'x.uals')]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not a zip archive/);
  });
});

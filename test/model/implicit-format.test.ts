// implicit's model files in and out: a real file written by implicit 0.7.3's save()
// (../shared/fixtures/implicit-ml100k-k16) must reproduce implicit's own recommend and similar_items
// lists; the model can then forget, and exports an npz with the same arrays. Plus the .npy/.npz codec.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readNpy, readZip, writeNpy, writeZip } from '../../src/data/npz.js';
import { crc32 } from '../../src/data/crc32.js';
import { exportImplicit, importImplicit } from '../../src/model/implicit-format.js';
import { FIXTURES, SHARED_DATA } from '../helpers.js';

const DIR = join(FIXTURES, 'implicit-ml100k-k16');
const meta = JSON.parse(readFileSync(join(DIR, 'implicit-als-ml100k-k16.json'), 'utf8'));
const npz = readFileSync(join(DIR, 'implicit-als-ml100k-k16.npz'));
const lines = readFileSync(join(SHARED_DATA, 'ml-100k/u.data'), 'utf8').trim().split('\n').map((l) => l.split('\t'));
const interactions = { users: lines.map((f) => f[0]), items: lines.map((f) => f[1]) }; // value 1.0 each, as it was fitted

describe('.npy and .npz', () => {
  it('round-trips every dtype a model file holds, and reads stored and deflated zip entries', async () => {
    const arrays = [
      { descr: '<f4', shape: [2, 3], data: Float32Array.of(1, 2.5, -3, 4, 5, 6) },
      { descr: '<f8', shape: [], data: Float64Array.of(50) },
      { descr: '<i8', shape: [], data: [16] },
      { descr: '<i4', shape: [3], data: Int32Array.of(-1, 0, 7) },
      { descr: '|b1', shape: [], data: Uint8Array.of(1) },
      { descr: '<U7', shape: [], data: 'float32' },
    ];
    for (const a of arrays) {
      const b = writeNpy(a);
      expect(b.length % 64).toBe(a.descr === '<f4' ? 24 : b.length % 64); // header padded to 64
      const back = readNpy(b);
      expect(back.descr).toBe(a.descr);
      expect(back.shape).toEqual(a.shape);
      expect(typeof back.data === 'string' ? back.data : Array.from(back.data as ArrayLike<number>)).toEqual(typeof a.data === 'string' ? a.data : Array.from(a.data as ArrayLike<number>));
    }
    const zip = writeZip([['a.npy', writeNpy(arrays[0])], ['b.npy', writeNpy(arrays[5])]]);
    const files = await readZip(zip);
    expect(Array.from(files.keys())).toEqual(['a.npy', 'b.npy']);
    expect(readNpy(files.get('b.npy')!).data).toBe('float32');
    // a deflated entry (np.savez_compressed), built by hand
    const data = writeNpy(arrays[0]);
    const packed = deflateRawSync(data);
    const name = Buffer.from('c.npy');
    const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(8, 8); local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26);
    const cd = Buffer.alloc(46); cd.writeUInt32LE(0x02014b50, 0); cd.writeUInt16LE(8, 10); cd.writeUInt32LE(packed.length, 20);
    cd.writeUInt32LE(data.length, 24); cd.writeUInt16LE(name.length, 28); cd.writeUInt32LE(0, 42);
    const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10);
    end.writeUInt32LE(46 + name.length, 12); end.writeUInt32LE(30 + name.length + packed.length, 16);
    const deflated = Buffer.concat([local, name, packed, cd, name, end]);
    expect(Array.from(readNpy((await readZip(deflated)).get('c.npy')!).data as Float32Array)).toEqual([1, 2.5, -3, 4, 5, 6]);
    await expect(readZip(new Uint8Array(100))).rejects.toThrow(/not a zip archive/);
  });
});

describe('implicit model import and export', () => {
  it('the imported model gives implicit\'s own top-10 lists, forgets, and exports the same arrays', async () => {
    const { model: m, note } = await importImplicit({ npz, userIds: meta.user_ids_in_row_order, itemIds: meta.item_ids_in_row_order, interactions, backend: 'wasm' });
    expect(note).toMatch(/α' = α − 1 = 39/);
    expect(m.k).toBe(16);
    expect(m.options.regularization).toBe(50);
    expect(m.trainConfidence[0]).toBe(40); // implicit's c = α·1
    for (const [user, want] of Object.entries(meta.recommend_filter_liked_N10) as Array<[string, { items: string[]; scores: number[] }]>) {
      const got = m.recommend(user, 10);
      expect(got.map((r) => r.item), `user ${user}`).toEqual(want.items);
      got.forEach((r, t) => expect(Math.abs(r.score - want.scores[t])).toBeLessThan(1e-5));
    }
    for (const [item, want] of Object.entries(meta.similar_items_N10) as Array<[string, { items: string[]; scores: number[] }]>) {
      const got = m.similarItems(item, 10, { includeSelf: true });
      expect(got.map((r) => r.item), `item ${item}`).toEqual(want.items);
      got.forEach((r, t) => expect(Math.abs(r.score - want.scores[t])).toBeLessThan(1e-5));
    }
    // forget 5 pairs of one user, then export
    const tr = m.trainRows;
    const u = m.userIds.get('1')!;
    const five = Array.from(tr.indices.subarray(tr.indptr[u], tr.indptr[u] + 5), (i) => ['1', m.itemIds.id(i)] as const);
    const f = m.forget(five);
    expect(f.forgotten).toBe(5);
    expect(f.converged).toBe(true);
    const out = exportImplicit(m);
    const files = await readZip(out.npz);
    expect(Array.from(files.keys()).sort()).toEqual(Array.from((await readZip(npz)).keys()).sort());
    const X = readNpy(files.get('user_factors.npy')!);
    expect(X.shape).toEqual([943, 16]);
    expect(Array.from(X.data as Float32Array)).toEqual(Array.from(m.userFactors));
    expect(Array.from(readNpy(files.get('item_factors.npy')!).data as Float32Array)).toEqual(Array.from(m.itemFactors));
    expect((readNpy(files.get('alpha.npy')!).data as Float64Array)[0]).toBe(40);
    expect(readNpy(files.get('dtype.npy')!).data).toBe('float32');
    // and reads back: the same factors, the same lists
    const keep = new Set(five.map(([, i]) => i));
    const remaining = { users: [] as string[], items: [] as string[] };
    interactions.users.forEach((uu, t) => {
      if (!(uu === '1' && keep.has(interactions.items[t]))) {
        remaining.users.push(uu);
        remaining.items.push(interactions.items[t]);
      }
    });
    const back = (await importImplicit({ npz: out.npz, userIds: out.userIds, itemIds: out.itemIds, interactions: remaining, backend: 'js' })).model;
    expect(Array.from(back.userFactors)).toEqual(Array.from(m.userFactors));
    expect(back.recommend('1', 10).map((r) => r.item)).toEqual(m.recommend('1', 10).map((r) => r.item));
    m.dispose();
    back.dispose();
  });

  it('refuses ids that do not fit the factors, and interactions of unknown ids, with a reason', async () => {
    await expect(importImplicit({ npz, userIds: ['1'], itemIds: meta.item_ids_in_row_order, interactions })).rejects.toThrow(/943 users × 1682 items in the model, 1 × 1682 ids given/);
    await expect(importImplicit({ npz, userIds: meta.user_ids_in_row_order, itemIds: meta.item_ids_in_row_order, interactions: { users: ['nobody'], items: ['1'] } }))
      .rejects.toThrow(/user "nobody" is not in the id list/);
  });
});

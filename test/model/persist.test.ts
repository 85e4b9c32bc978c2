import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALS } from '../../src/model/als.js';
import { decodeModel, modelFromBytes, modelToBytes, ModelFileError } from '../../src/model/persist.js';
import { loadModel, saveModel } from '../../src/node/model-file.js';
import { csrFromPairs, randomData } from '../helpers.js';

let dir: string;
let model: ALS;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'uals-persist-'));
  const data = randomData(60, 45, 7, 11);
  data.test = csrFromPairs(60, 45, [[0, 44], [1, 43], [5, 2], [9, 30]].filter(([u, i]) => {
    const tr = data.train;
    return !Array.from(tr.indices.subarray(tr.indptr[u], tr.indptr[u + 1])).includes(i);
  }) as Array<[number, number]>);
  model = await ALS.create({ factors: 6, regularization: 2, iterations: 4, backend: 'js', seed: 3 });
  await model.fit(data);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model file', () => {
  it('round-trips factors, ids, interactions, options and the fit residual', async () => {
    const bytes = modelToBytes(model);
    const back = await modelFromBytes(bytes, { backend: 'wasm' });
    expect(back.backend).toBe('wasm');
    expect(Array.from(back.userFactors)).toEqual(Array.from(model.userFactors));
    expect(Array.from(back.itemFactors)).toEqual(Array.from(model.itemFactors));
    expect(back.userIds.ids).toEqual(model.userIds.ids);
    expect(back.itemIds.ids).toEqual(model.itemIds.ids);
    expect(Array.from(back.trainRows.indices)).toEqual(Array.from(model.trainRows.indices));
    expect(Array.from(back.testRows!.indices)).toEqual(Array.from(model.testRows!.indices));
    expect({ ...back.options, backend: 'js' }).toEqual(model.options);
    expect(back.fitResidual).toBe(model.fitResidual);
    expect(back.recommend('3', 5)).toEqual(model.recommend('3', 5).map((r) => ({ item: r.item, score: expect.closeTo(r.score, 5) })));
    expect(back.auc().auc).toBeCloseTo(model.auc().auc, 6);
  });

  it('rejects truncated, corrupt, foreign and future files with a clear message', () => {
    const bytes = modelToBytes(model);
    expect(() => decodeModel(bytes.subarray(0, bytes.length - 9), 'm.uals')).toThrow(/m\.uals: truncated/);
    const flipped = bytes.slice();
    flipped[flipped.length - 100] ^= 0x40;
    expect(() => decodeModel(flipped, 'm.uals')).toThrow(/checksum mismatch/);
    expect(() => decodeModel(new TextEncoder().encode('user,item\n1,2\n3,4\n5,6\n'), 'x.csv')).toThrow(/not an untrain-als model file/);
    const future = bytes.slice();
    future[8] = 2;
    expect(() => decodeModel(future, 'm.uals')).toThrow(/version 2 is not supported/);
    expect(() => decodeModel(new Uint8Array(3), 'm.uals')).toThrow(ModelFileError);
  });

  it('writes atomically and leaves no temporary file behind', async () => {
    const path = join(dir, 'a.uals');
    await saveModel(model, path);
    const first = await readFile(path);
    // a failing save (unfitted model) must not touch the existing file
    const empty = await ALS.create({ backend: 'js' });
    await expect(saveModel(empty, path)).rejects.toThrow(/no data yet/);
    expect(Buffer.compare(await readFile(path), first)).toBe(0);
    await expect(saveModel(model, join(dir, 'missing-folder', 'b.uals'))).rejects.toThrow(/ENOENT/);
    expect((await readdir(dir)).sort()).toEqual(['a.uals']);
    const loaded = await loadModel(path);
    expect(Array.from(loaded.userFactors)).toEqual(Array.from(model.userFactors));
  });

  it('reports a missing file and a directory', async () => {
    await expect(loadModel(join(dir, 'nope.uals'))).rejects.toThrow(/nope\.uals: no such model file/);
    await expect(loadModel(dir)).rejects.toThrow(/is a directory/);
    await writeFile(join(dir, 'junk.uals'), 'hello world, not a model at all');
    await expect(loadModel(join(dir, 'junk.uals'))).rejects.toThrow(/not an untrain-als model file/);
  });
});

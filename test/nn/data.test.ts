// data.TensorDataset, data.DataLoader and the Dataset interface: batches against the samples they
// should hold, shuffles reproducible from a seed, prefetch, ownership, and no growth in GPU memory.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { data } from '../../src/index.js';
import { asF32, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const N = 23;
const F = 5;

async function collect(loader: AsyncIterable<wg.Tensor[]>): Promise<{ x: number[][]; y: number[] }[]> {
  const out: { x: number[][]; y: number[] }[] = [];
  for await (const [x, y] of loader) {
    const xs = Array.from(await x.toArray());
    out.push({ x: Array.from({ length: x.shape[0] }, (_, i) => xs.slice(i * F, (i + 1) * F)), y: Array.from(await y.toArray()) });
  }
  return out;
}

describe('DataLoader over a TensorDataset', () => {
  const xv = asF32(randomValues(N * F, 1));
  const labels = Int32Array.from({ length: N }, (_, i) => (i * 7) % 10);
  const row = (i: number) => Array.from(xv.subarray(i * F, (i + 1) * F));

  it('gives the dataset in order in batches of batchSize, the last one smaller, as GPU tensors', async () => {
    const ds = new data.TensorDataset(wg.tensor(xv, [N, F]), wg.tensor(labels, [N], { dtype: 'int32' }));
    const loader = new data.DataLoader(ds, { batchSize: 8 });
    expect(loader.length).toBe(3);
    const batches = await collect(loader);
    expect(batches.map((b) => b.y.length)).toEqual([8, 8, 7]);
    expect(batches.flatMap((b) => b.y)).toEqual(Array.from(labels));
    expect(batches.flatMap((b) => b.x)).toEqual(Array.from({ length: N }, (_, i) => row(i)));
    const dropped = new data.DataLoader(ds, { batchSize: 8, dropLast: true });
    expect(dropped.length).toBe(2);
    expect((await collect(dropped)).map((b) => b.y.length)).toEqual([8, 8]);
  });

  it('shuffles each epoch anew, the same for the same seed, keeping samples and labels together', async () => {
    const ds = new data.TensorDataset(wg.tensor(xv, [N, F]), wg.tensor(Int32Array.from({ length: N }, (_, i) => i), [N], { dtype: 'int32' }));
    const a = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 3 });
    const e0 = await collect(a);
    const e1 = await collect(a);
    const order0 = e0.flatMap((b) => b.y);
    expect([...order0].sort((p, q) => p - q)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(order0).not.toEqual(Array.from({ length: N }, (_, i) => i));
    expect(e1.flatMap((b) => b.y)).not.toEqual(order0);
    for (const b of e0) b.y.forEach((i, k) => expect(b.x[k]).toEqual(row(i)));
    const again = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 3 });
    expect((await collect(again)).flatMap((b) => b.y)).toEqual(order0);
    expect((await collect(again.epoch(0))).flatMap((b) => b.y)).toEqual(order0);
    expect(a.batchIndices(1).flatMap((b) => Array.from(b))).toEqual(e1.flatMap((b) => b.y));
    const other = new data.DataLoader(ds, { batchSize: 6, shuffle: true, seed: 4 });
    expect((await collect(other)).flatMap((b) => b.y)).not.toEqual(order0);
  });

  it('disposes each batch when the next is asked for, and prefetches the next before handing one over', async () => {
    const ds = new data.TensorDataset(wg.tensor(xv, [N, F]));
    const loader = new data.DataLoader(ds, { batchSize: 4 });
    const live: number[] = [];
    let previous: wg.Tensor | null = null;
    for await (const [x] of loader) {
      if (previous) expect(previous.disposed).toBe(true);
      previous = x;
      live.push(wg.memory().liveBuffers);
    }
    expect(previous!.disposed).toBe(true);
    // Steady state: this batch and the next are live, never more.
    expect(new Set(live.slice(1, -1)).size).toBe(1);
    expect(live[live.length - 1]).toBe(live[0] - 1);
    const before = wg.memory().liveBuffers;
    for await (const [x] of loader) {
      expect(x.shape).toEqual([4, F]);
      break;
    }
    expect(wg.memory().liveBuffers).toBe(before);
  });
});

describe('DataLoader over a Dataset of your own', () => {
  it('stacks get(i)\'s fields: numbers into int32 [B], typed arrays into [B, L], { data, shape } into [B, ...shape]', async () => {
    const calls: number[] = [];
    const ds: data.Dataset = {
      length: 5,
      get(i) {
        calls.push(i);
        return [Float32Array.of(i + 1, -i - 1), i * 10, { data: Int32Array.of(i, i + 1, i + 2, i + 3), shape: [2, 2] }];
      },
    };
    const loader = new data.DataLoader(ds, { batchSize: 2 });
    const seen: number[][] = [];
    for await (const [a, label, grid] of loader) {
      // The batch after this one has been read already (prefetch).
      seen.push([...calls]);
      expect(a.dtype).toBe('float32');
      expect(label.dtype).toBe('int32');
      expect(grid.shape).toEqual([a.shape[0], 2, 2]);
      const first = (await label.toArray())[0] / 10;
      expect(Array.from(await a.toArray()).slice(0, 2)).toEqual([first + 1, -first - 1]);
      expect(Array.from(await grid.toArray()).slice(0, 4)).toEqual([first, first + 1, first + 2, first + 3]);
    }
    expect(seen).toEqual([[0, 1, 2, 3], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4]]);
  });

  it('takes getBatch\'s fields (host arrays or GPU tensors) with the batch\'s place in its epoch', async () => {
    const infos: data.BatchInfo[] = [];
    const ds: data.Dataset = {
      length: 7,
      getBatch(indices, info) {
        infos.push(info);
        return [wg.tensor(Float32Array.from(indices, (i) => i + 0.5), [indices.length, 1]), Array.from(indices), { data: Float32Array.from(indices), shape: [indices.length] }];
      },
    };
    const loader = new data.DataLoader(ds, { batchSize: 3 });
    const got: number[] = [];
    for await (const [x, y, z] of loader.epoch(4)) {
      got.push(...(await x.toArray()));
      expect(Array.from(await y.toArray())).toEqual(Array.from(await z.toArray()));
    }
    expect(got).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5]);
    expect(infos).toEqual([{ epoch: 4, batch: 0 }, { epoch: 4, batch: 1 }, { epoch: 4, batch: 2 }]);
  });

  it('refuses what is not a dataset, and fields that do not stack, naming them', async () => {
    const bad = async (ds: data.Dataset, pattern: RegExp) => {
      const loader = new data.DataLoader(ds, { batchSize: 2 });
      await expect((async () => {
        for await (const _ of loader) void _;
      })()).rejects.toThrow(pattern);
    };
    expect(() => new data.DataLoader({ length: 3 } as data.Dataset)).toThrow(/DataLoader: dataset needs a get\(index\) or a getBatch\(indices\) method/);
    expect(() => new data.DataLoader({ length: 3, get: () => [1] }, { batchSize: 0 })).toThrow(/DataLoader: batchSize must be a positive integer, got 0/);
    expect(() => new data.TensorDataset(wg.zeros([3, 2]), wg.zeros([4]))).toThrow(/TensorDataset: every tensor must have 3 samples \(tensors\[0\] \[3, 2\]\), but tensors\[1\] is \[4\]/);
    await bad({ length: 2, get: (i) => [i + 0.5] }, /DataLoader: dataset.get\(0\)\[0\] = 0.5: a number field is an int32 label/);
    await bad({ length: 2, get: (i) => [new Float32Array(i + 1)] }, /DataLoader: dataset.get\(1\)\[0\] is float32 \[2\], but dataset.get\(0\)\[0\] is float32 \[1\]/);
    await bad({ length: 2, getBatch: () => [{ data: new Float32Array(3), shape: [3] }] }, /DataLoader: dataset.getBatch\(\)\[0\] has shape \[3\], whose first dimension is not the batch's 2 samples/);
  });
});

describe('manualSeed reaches the DataLoader', () => {
  it('a loader given no seed shuffles by the device generator', async () => {
    const ds = { length: 50, get: (i: number) => [i] };
    const order = () => new data.DataLoader(ds, { batchSize: 50, shuffle: true }).batchIndices(0)[0].join();
    wg.manualSeed(11);
    const a = order();
    wg.manualSeed(11);
    expect(order()).toBe(a);
    wg.manualSeed(12);
    expect(order()).not.toBe(a);
  });
});

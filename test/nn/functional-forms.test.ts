// The functional forms take what the layers take, as torch.nn.functional: maxPool2d(x, 2),
// avgPool2d(x, 2), conv2d(x, w, b, { stride, padding }) with numbers or pairs; the object forms still work.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

const values = async (t: wg.Tensor) => Array.from(await t.toArray());

describe('functional forms', () => {
  const shape = [2, 3, 7, 9];
  const xv = asF32(randomValues(2 * 3 * 7 * 9, 1));
  const x = () => wg.tensor(xv, shape);

  it('maxPool2d(x, 2): stride defaults to the kernel size, as F.max_pool2d', async () => {
    const out = wg.maxPool2d(x(), 2);
    expect(out.shape).toEqual([2, 3, 3, 4]);
    const expected: number[] = [];
    for (let p = 0; p < 6; p++) {
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 4; j++) {
          const at = (di: number, dj: number) => xv[p * 63 + (2 * i + di) * 9 + 2 * j + dj];
          expected.push(Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1)));
        }
      }
    }
    expectClose(await out.toArray(), expected, 0, 0);
    expect(await values(wg.maxPool2d(x(), { kernelSize: 2 }))).toEqual(expected);
    expect(await values(new wg.nn.MaxPool2d(2).forward(x()))).toEqual(expected);
    expect(await values(x().maxPool2d(2))).toEqual(expected);
  });

  it('maxPool2d and avgPool2d with options after the kernel size match the layers', async () => {
    const opts = { stride: [2, 1] as [number, number], padding: 1 };
    expect(await values(wg.maxPool2d(x(), 3, opts))).toEqual(await values(new wg.nn.MaxPool2d(3, opts).forward(x())));
    expect(await values(wg.maxPool2d(x(), [3, 2], { stride: 2 }))).toEqual(await values(wg.maxPool2d(x(), { kernelSize: [3, 2], stride: 2 })));
    const avg = wg.avgPool2d(x(), 2);
    expect(avg.shape).toEqual([2, 3, 3, 4]);
    expect(await values(avg)).toEqual(await values(new wg.nn.AvgPool2d(2).forward(x())));
    expect(await values(wg.avgPool2d(x(), 3, { padding: 1, countIncludePad: false }))).toEqual(
      await values(new wg.nn.AvgPool2d(3, { padding: 1, countIncludePad: false }).forward(x())),
    );
  });

  it('conv2d(x, w, b, { stride, padding }) with numbers or pairs matches nn.Conv2d', async () => {
    const layer = new wg.nn.Conv2d(3, 4, [3, 2], { stride: [2, 1], padding: [1, 0], seed: 5 });
    const viaLayer = await values(layer.forward(x()));
    expect(await values(wg.conv2d(x(), layer.weight, layer.bias, { stride: [2, 1], padding: [1, 0] }))).toEqual(viaLayer);
    const square = new wg.nn.Conv2d(3, 4, 3, { stride: 2, padding: 1, seed: 6 });
    expect(await values(wg.conv2d(x(), square.weight, square.bias, { stride: 2, padding: 1 }))).toEqual(await values(square.forward(x())));
  });
});

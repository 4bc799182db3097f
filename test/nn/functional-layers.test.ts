import { beforeAll, describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, avgPool2d, nn, sigmoid, softmax, tanh, tensor } from '../../src/index.js';
import { randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('layers over functional ops', () => {
  it('Sigmoid, Tanh, Softmax, AvgPool2d, AdaptiveAvgPool2d give their ops\' values', async () => {
    const x = tensor(randomValues(2 * 3 * 5 * 4, 9, 2), [2, 3, 5, 4]);
    const same = async (a: ReturnType<typeof sigmoid>, b: ReturnType<typeof sigmoid>) => expect(Array.from(await a.toArray())).toEqual(Array.from(await b.toArray()));
    await same(new nn.Sigmoid().forward(x), sigmoid(x));
    await same(new nn.Tanh().forward(x), tanh(x));
    await same(new nn.Softmax(1).forward(x), softmax(x, 1));
    await same(new nn.AvgPool2d(2, { stride: 1, padding: 1 }).forward(x), avgPool2d(x, { kernelSize: 2, stride: 1, padding: 1 }));
    await same(new nn.AdaptiveAvgPool2d([2, 3]).forward(x), adaptiveAvgPool2d(x, [2, 3]));
  });
});

import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tfjsLrn } from '../../bench/cases/training.js';

/** PyTorch's F.local_response_norm(size, 1e-4, 0.75, 2) over the channels of NHWC x, in float64. */
function reference(x: Float32Array, [n, h, w, c]: number[], size: number): Float64Array {
  const out = new Float64Array(x.length);
  const [before, after] = [Math.floor(size / 2), Math.floor((size - 1) / 2)];
  for (let p = 0; p < n * h * w; p++) {
    for (let ch = 0; ch < c; ch++) {
      let sum = 0;
      for (let j = ch - before; j <= ch + after; j++) if (j >= 0 && j < c) sum += x[p * c + j] ** 2;
      out[p * c + ch] = x[p * c + ch] / (2 + (1e-4 / size) * sum) ** 0.75;
    }
  }
  return out;
}

describe("the bench's tfjs LRN (the peer of alexnet-seed's step)", () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  // Channels that do not divide the window, an even window (alexnet-seed's 96 and 256) and an odd one.
  it.each([[96, 100], [256, 7], [5, 9], [4, 6]])('matches PyTorch with a window of %i over %i channels', (size, channels) => {
    const shape = [2, 3, 2, channels];
    const data = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, (_, i) => 40 * Math.sin(i * 1.7 + 0.3) + 1);
    const got = tf.tidy(() => tfjsLrn(tf, tf.tensor4d(data, shape as [number, number, number, number]), size).dataSync());
    const want = reference(data, shape, size);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThanOrEqual(2e-5 * Math.abs(want[i]) + 1e-6);
  });
});

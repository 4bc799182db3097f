import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, setupDevice } from '../helpers.js';
import { prepareImages, tensor, uploadBytes, WebgradError } from '../../src/index.js';
import { centreAugmentation, drawAugmentation, rgbPca, symmetricEigen3 } from '../../examples/alexnet-cifar/data/augment.js';
import { parseRecords } from '../../examples/alexnet-cifar/data/cifar.js';
import { prepareBatch } from '../../examples/alexnet-cifar/data/pipeline.js';

interface RefArgs {
  n: number;
  inSize: number;
  cropSize: number;
  padding: number;
  outSize: number;
  offsets: ArrayLike<number>;
  flip: ArrayLike<number>;
  lighting: ArrayLike<number>;
  mean: number[];
  std: number[];
}

/** The same pipeline in float64, step by step: pad, crop, flip, resize (PyTorch's upsample_bilinear2d), normalise. */
function reference(bytes: Uint8Array, a: RefArgs): Float64Array {
  const { n, inSize: s, cropSize: c, padding: pad, outSize: o } = a;
  const out = new Float64Array(n * 3 * o * o);
  const scale = c / o;
  const src = (d: number) => Math.max((d + 0.5) * scale - 0.5, 0);
  for (let i = 0; i < n; i++) {
    for (let ch = 0; ch < 3; ch++) {
      // The crop as an explicit c×c image, flipped if asked.
      const crop = new Float64Array(c * c);
      for (let y = 0; y < c; y++) {
        for (let x = 0; x < c; x++) {
          const py = a.offsets[2 * i] + y - pad;
          const px = a.offsets[2 * i + 1] + x - pad;
          const v = py < 0 || px < 0 || py >= s || px >= s ? 0 : bytes[((i * 3 + ch) * s + py) * s + px];
          crop[y * c + (a.flip[i] ? c - 1 - x : x)] = v / 255;
        }
      }
      for (let y = 0; y < o; y++) {
        const sy = src(y);
        const y0 = Math.min(Math.floor(sy), c - 1);
        const y1 = Math.min(y0 + 1, c - 1);
        const ly = sy - y0;
        for (let x = 0; x < o; x++) {
          const sx = src(x);
          const x0 = Math.min(Math.floor(sx), c - 1);
          const x1 = Math.min(x0 + 1, c - 1);
          const lx = sx - x0;
          const v =
            (1 - ly) * ((1 - lx) * crop[y0 * c + x0] + lx * crop[y0 * c + x1]) +
            ly * ((1 - lx) * crop[y1 * c + x0] + lx * crop[y1 * c + x1]);
          out[((i * 3 + ch) * o + y) * o + x] = (v + a.lighting[3 * i + ch] - a.mean[ch]) / a.std[ch];
        }
      }
    }
  }
  return out;
}

function randomBytes(count: number, seed: number): Uint8Array {
  let a = seed >>> 0;
  return Uint8Array.from({ length: count }, () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a >>> 24;
  });
}

describe('prepareImages', () => {
  beforeAll(setupDevice);

  it('resizes 5→13 with crops from a padded image, flips, lighting and std', async () => {
    const n = 3, inSize = 5, padding = 2, cropSize = 4, outSize = 13;
    const bytes = randomBytes(n * 3 * inSize * inSize, 7); // 225 bytes: not a whole number of words
    const offsets = [0, 5, 3, 1, 2, 0];
    const flip = [1, 0, 1];
    const lighting = [0.01, -0.02, 0.03, 0, 0, 0, -0.05, 0.04, 0.002];
    const mean = [0.49, 0.48, 0.45];
    const std = [0.25, 0.24, 0.26];
    const out = prepareImages(uploadBytes(bytes), { n, inSize, outSize, mean, std, crop: { size: cropSize, padding, offsets }, flip, lighting });
    expect(out.shape).toEqual([n, 3, outSize, outSize]);
    const expected = reference(bytes, { n, inSize, cropSize, padding, outSize, offsets, flip, lighting, mean, std });
    expectClose(await out.toArray(), expected, 1e-5, 1e-5);
  });

  it('shrinks (7→3) and keeps the size (no resize) exactly', async () => {
    const n = 2, inSize = 7;
    const bytes = randomBytes(n * 3 * inSize * inSize, 11);
    const mean = [0.5, 0.4, 0.3];
    const common = { n, inSize, cropSize: inSize, padding: 0, offsets: [0, 0, 0, 0], flip: [0, 1], lighting: new Float64Array(6), mean, std: [1, 1, 1] };
    const small = prepareImages(uploadBytes(bytes), { n, inSize, outSize: 3, mean, flip: [0, 1] });
    expectClose(await small.toArray(), reference(bytes, { ...common, outSize: 3 }), 1e-5, 1e-6);
    const same = prepareImages(uploadBytes(bytes), { n, inSize, mean, flip: [0, 1] });
    const exact = reference(bytes, { ...common, outSize: inSize });
    expectClose(await same.toArray(), exact, 1e-6, 1e-7);
  });

  it('matches the reference for CIFAR shapes: pad 4, crop 32, flip, resize to 67', async () => {
    const n = 2, inSize = 32, outSize = 67;
    const bytes = randomBytes(n * 3072, 3);
    const aug = drawAugmentation(n, 1234, { inSize, cropSize: 32, padding: 4, flip: true, pca: { mean: [0, 0, 0], eigenvalues: [0.05, 0.01, 0.002], eigenvectors: [[0.58, 0.58, 0.57], [-0.7, 0, 0.7], [0.4, -0.8, 0.4]] } });
    const mean = [0.4914, 0.4822, 0.4465];
    const out = prepareImages(uploadBytes(bytes), { n, inSize, outSize, mean, crop: { size: 32, padding: 4, offsets: aug.offsets }, flip: aug.flip, lighting: aug.lighting });
    const expected = reference(bytes, { n, inSize, cropSize: 32, padding: 4, outSize, offsets: aug.offsets, flip: aug.flip, lighting: aug.lighting, mean, std: [1, 1, 1] });
    expectClose(await out.toArray(), expected, 1e-5, 1e-5);
  });

  it('prepares a CIFAR batch from a split: augmented for training, plain for evaluation', async () => {
    const records = new Uint8Array(5 * 3073);
    records.set(randomBytes(records.length, 21));
    for (let i = 0; i < 5; i++) records[i * 3073] = i * 2;
    const split = parseRecords(records, 'synthetic');
    const pca = rgbPca(split.images);
    const indices = [4, 0, 2];
    const images = new Uint8Array(indices.flatMap((k) => [...split.images.subarray(k * 3072, (k + 1) * 3072)]));
    const mean = pca.mean;
    const train = prepareBatch(split, indices, { outSize: 40, mean, augment: { padding: 4, flip: true, pca } }, 77);
    expect([...train.labels]).toEqual([8, 0, 4]);
    const aug = drawAugmentation(3, 77, { inSize: 32, cropSize: 32, padding: 4, flip: true, pca });
    expect([...aug.lighting].some((v) => v !== 0)).toBe(true);
    const common = { n: 3, inSize: 32, cropSize: 32, outSize: 40, mean, std: [1, 1, 1] };
    expectClose(await train.x.toArray(), reference(images, { ...common, padding: 4, ...aug }), 1e-5, 1e-5);
    const test = prepareBatch(split, indices, { outSize: 40, mean });
    const plain = { offsets: new Int32Array(6), flip: new Uint8Array(3), lighting: new Float32Array(9) };
    expectClose(await test.x.toArray(), reference(images, { ...common, padding: 0, ...plain }), 1e-5, 1e-5);
  });

  it('covers every element of a batch large enough to need a 2-D grid (32→224, 120 images)', async () => {
    const n = 120, inSize = 32, outSize = 224;
    const bytes = randomBytes(n * 3072, 99);
    const aug = drawAugmentation(n, 5, { inSize, cropSize: 32, padding: 4, flip: true });
    const mean = [0.5, 0.5, 0.5];
    const out = prepareImages(uploadBytes(bytes), { n, inSize, outSize, mean, crop: { size: 32, padding: 4, offsets: aug.offsets }, flip: aug.flip });
    expect(out.size).toBeGreaterThan(65535 * 256);
    const values = await out.toArray();
    out.dispose();
    // NaN-poisoned outputs show any element the grid missed; the last and first images are checked in full.
    expect(values.some(Number.isNaN)).toBe(false);
    const per = 3 * outSize * outSize;
    for (const k of [0, n - 1]) {
      const one = { n: 1, inSize, cropSize: 32, padding: 4, outSize, mean, std: [1, 1, 1], offsets: aug.offsets.subarray(2 * k, 2 * k + 2), flip: aug.flip.subarray(k, k + 1), lighting: [0, 0, 0] };
      expectClose(values.subarray(k * per, (k + 1) * per), reference(bytes.subarray(k * 3072, (k + 1) * 3072), one), 1e-5, 1e-5);
    }
  });

  // References computed by PyTorch (test/fixtures/image_pipeline.py): F.pad, slicing, torch.flip, F.interpolate.
  const fixtures = JSON.parse(readFileSync(new URL('../fixtures/image-pipeline.json', import.meta.url), 'utf8')) as {
    cases: { name: string; n: number; inSize: number; padding: number; crop: number; outSize: number; offsets: number[]; flip: number[];
      lighting: number[]; mean: number[]; std: number[]; bytes: number[]; expected: number[] }[];
  };
  for (const f of fixtures.cases) {
    it(`matches PyTorch: ${f.name}`, async () => {
      const out = prepareImages(uploadBytes(Uint8Array.from(f.bytes)), {
        n: f.n, inSize: f.inSize, outSize: f.outSize, mean: f.mean, std: f.std,
        crop: { size: f.crop, padding: f.padding, offsets: f.offsets }, flip: f.flip, lighting: f.lighting,
      });
      expect(out.shape).toEqual([f.n, 3, f.outSize, f.outSize]);
      expectClose(await out.toArray(), f.expected, 1e-5, 1e-5);
    });
  }

  it('refuses bad arguments, naming them', () => {
    const pixels = uploadBytes(new Uint8Array(2 * 75));
    const base = { n: 2, inSize: 5, mean: [0, 0, 0] };
    expect(() => prepareImages(pixels, { ...base, n: 3 })).toThrow(/pixels of shape \[38\] hold 152 bytes; n=3 images of 3×5×5 need 225/);
    expect(() => prepareImages(tensor([1, 2]), base)).toThrow(/pixels must be int32/);
    expect(() => prepareImages(pixels, { ...base, mean: [0, 0] })).toThrow(/mean must be 3 finite numbers/);
    expect(() => prepareImages(pixels, { ...base, std: [1, 0, 1] })).toThrow(/std must be positive/);
    expect(() => prepareImages(pixels, { ...base, crop: { size: 4, offsets: [0, 0, 0, 2] } })).toThrow(/crop\.offsets\[3\] = 2 is outside \[0, 1\]/);
    expect(() => prepareImages(pixels, { ...base, crop: { size: 4, offsets: [0, 0] } })).toThrow(/crop\.offsets must hold 2n = 4/);
    expect(() => prepareImages(pixels, { ...base, crop: { size: 8, padding: 1, offsets: [0, 0, 0, 0] } })).toThrow(/crop\.size 8 exceeds the padded image/);
    expect(() => prepareImages(pixels, { ...base, flip: [1] })).toThrow(/flip must hold n = 2 values, got 1/);
    expect(() => prepareImages(pixels, { ...base, lighting: [0, 0, 0, 0, 0, NaN] })).toThrow(/lighting\[5\] = NaN/);
    expect(() => prepareImages(pixels, { ...base, outSize: 0 })).toThrow(WebgradError);
  });
});

describe('augmentation helpers (CPU)', () => {
  it('finds the eigenvectors of a symmetric 3×3 matrix', () => {
    const m = [[4, 1, 0.5], [1, 3, 0.2], [0.5, 0.2, 1]];
    const { values, vectors } = symmetricEigen3(m);
    expect(values[0]).toBeGreaterThanOrEqual(values[1]);
    expect(values[1]).toBeGreaterThanOrEqual(values[2]);
    expect(values.reduce((a, b) => a + b)).toBeCloseTo(8, 10);
    for (let j = 0; j < 3; j++) {
      for (let r = 0; r < 3; r++) {
        const mv = m[r][0] * vectors[j][0] + m[r][1] * vectors[j][1] + m[r][2] * vectors[j][2];
        expect(mv).toBeCloseTo(values[j] * vectors[j][r], 10);
      }
    }
  });

  it('rgbPca gives the mean and the covariance of RGB over all pixels', () => {
    const n = 4, plane = 6;
    const images = randomBytes(n * 3 * plane, 5);
    const pca = rgbPca(images, plane);
    const px = (i: number, k: number) => [0, 1, 2].map((c) => images[(i * 3 + c) * plane + k] / 255);
    const all = [...Array(n * plane).keys()].map((j) => px(Math.floor(j / plane), j % plane));
    const mean = [0, 1, 2].map((c) => all.reduce((s, p) => s + p[c], 0) / all.length);
    mean.forEach((m, c) => expect(pca.mean[c]).toBeCloseTo(m, 12));
    const cov = [0, 1, 2].map((a) => [0, 1, 2].map((b) => all.reduce((s, p) => s + (p[a] - mean[a]) * (p[b] - mean[b]), 0) / all.length));
    // Σ λⱼ pⱼ pⱼᵀ rebuilds the covariance.
    for (let a = 0; a < 3; a++) {
      for (let b = 0; b < 3; b++) {
        const rebuilt = pca.eigenvalues.reduce((s, l, j) => s + l * pca.eigenvectors[j][a] * pca.eigenvectors[j][b], 0);
        expect(rebuilt).toBeCloseTo(cov[a][b], 10);
      }
    }
  });

  it('draws the same augmentation from the same seed, within range', () => {
    const config = { inSize: 32, cropSize: 32, padding: 4, flip: true };
    const a = drawAugmentation(50, 9, config);
    expect(drawAugmentation(50, 9, config)).toEqual(a);
    expect(drawAugmentation(50, 10, config).offsets).not.toEqual(a.offsets);
    expect(Math.min(...a.offsets)).toBe(0);
    expect(Math.max(...a.offsets)).toBe(8);
    expect(a.flip.some((f) => f === 1) && a.flip.some((f) => f === 0)).toBe(true);
    expect([...a.lighting].every((v) => v === 0)).toBe(true);
    expect(centreAugmentation(2, config).offsets).toEqual(Int32Array.from([4, 4, 4, 4]));
  });
});

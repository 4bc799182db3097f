/**
 * Random data augmentation drawn on the CPU, per batch, from a seed; the GPU op `prepareImages`
 * applies it. AlexNet (Krizhevsky et al., 2012) uses random crops, horizontal flips and "PCA
 * colour augmentation": to every pixel of an image add Σⱼ αⱼ λⱼ pⱼ, where pⱼ, λⱼ are the
 * eigenvectors and eigenvalues of the 3×3 covariance of RGB values over the training set and
 * αⱼ ~ N(0, 0.1) is drawn once per image. For 32×32 CIFAR images the crop is the common
 * "pad by 4, take a random 32×32 window" form.
 */
import { WebgradError } from '../../../src/errors.js';
import { mulberry32 } from './batches.js';

export interface Pca {
  /** Per-channel mean, pixel / 255. */
  mean: number[];
  /** Descending, in (pixel / 255)². */
  eigenvalues: number[];
  /** Row j is the unit eigenvector of eigenvalues[j]. */
  eigenvectors: number[][];
}

export interface AugmentConfig {
  inSize: number;
  cropSize: number;
  padding: number;
  flip: boolean;
  /** PCA lighting noise when given; `pcaStd` is the standard deviation of the αs (default 0.1). */
  pca?: Pca;
  pcaStd?: number;
}

/** Per image of a batch: crop offsets (row, column), flip flags and lighting offsets, as `prepareImages` takes them. */
export interface Augmentation {
  offsets: Int32Array;
  flip: Uint8Array;
  lighting: Float32Array;
}

/** Draws one batch's augmentation; the same seed gives the same draws. */
export function drawAugmentation(n: number, seed: number, config: AugmentConfig): Augmentation {
  const random = mulberry32(seed);
  const room = config.inSize + 2 * config.padding - config.cropSize;
  if (room < 0) throw new WebgradError(`drawAugmentation: crop ${config.cropSize} exceeds image ${config.inSize} + 2·${config.padding}`);
  const offsets = new Int32Array(2 * n);
  const flip = new Uint8Array(n);
  const lighting = new Float32Array(3 * n);
  const std = config.pcaStd ?? 0.1;
  for (let i = 0; i < n; i++) {
    offsets[2 * i] = Math.floor(random() * (room + 1));
    offsets[2 * i + 1] = Math.floor(random() * (room + 1));
    flip[i] = config.flip && random() < 0.5 ? 1 : 0;
    if (config.pca) {
      const { eigenvalues: l, eigenvectors: p } = config.pca;
      const alpha = [normal(random) * std, normal(random) * std, normal(random) * std];
      for (let c = 0; c < 3; c++) lighting[3 * i + c] = alpha[0] * l[0] * p[0][c] + alpha[1] * l[1] * p[1][c] + alpha[2] * l[2] * p[2][c];
    }
  }
  return { offsets, flip, lighting };
}

/** The centre crop for evaluation: no flip, no lighting. */
export function centreAugmentation(n: number, config: Pick<AugmentConfig, 'inSize' | 'cropSize' | 'padding'>): Augmentation {
  const centre = Math.floor((config.inSize + 2 * config.padding - config.cropSize) / 2);
  return { offsets: new Int32Array(2 * n).fill(centre), flip: new Uint8Array(n), lighting: new Float32Array(3 * n) };
}

/** A standard normal draw (Box–Muller). */
function normal(random: () => number): number {
  const u = 1 - random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/**
 * The principal components of RGB colour over a set of byte images (CHW planes, n × 3 × pixels),
 * in units of pixel / 255: `eigenvalues` (descending) and `eigenvectors` (row j is the unit vector
 * pⱼ), as AlexNet's PCA colour augmentation uses them. Computed on the CPU, once per dataset.
 */
export function rgbPca(images: Uint8Array, pixelsPerImage = 1024): Pca {
  const plane = pixelsPerImage;
  if (!(images instanceof Uint8Array) || images.length === 0 || images.length % (3 * plane) !== 0) {
    throw new WebgradError(`rgbPca: images must be a non-empty Uint8Array of n × 3 × ${plane} bytes, got ${images?.length} bytes`);
  }
  const n = images.length / (3 * plane);
  // Sums of products in integers per image (exact), accumulated in float64.
  const s = new Float64Array(3);
  const ss = new Float64Array(6);
  for (let i = 0; i < n; i++) {
    const r0 = i * 3 * plane;
    let sr = 0, sg = 0, sb = 0, rr = 0, rg = 0, rb = 0, gg = 0, gb = 0, bb = 0;
    for (let k = 0; k < plane; k++) {
      const r = images[r0 + k], g = images[r0 + plane + k], b = images[r0 + 2 * plane + k];
      sr += r; sg += g; sb += b;
      rr += r * r; rg += r * g; rb += r * b; gg += g * g; gb += g * b; bb += b * b;
    }
    s[0] += sr; s[1] += sg; s[2] += sb;
    ss[0] += rr; ss[1] += rg; ss[2] += rb; ss[3] += gg; ss[4] += gb; ss[5] += bb;
  }
  const count = n * plane;
  const mean = [...s].map((v) => v / count);
  const idx = [[0, 1, 2], [1, 3, 4], [2, 4, 5]];
  const cov = idx.map((row, a) => row.map((k, b) => (ss[k] / count - mean[a] * mean[b]) / (255 * 255)));
  const { values, vectors } = symmetricEigen3(cov);
  return { mean: mean.map((m) => m / 255), eigenvalues: values, eigenvectors: vectors };
}

/** Eigen-decomposition of a symmetric 3×3 matrix by cyclic Jacobi rotations; eigenvalues descending, vectors as rows. */
export function symmetricEigen3(m: readonly (readonly number[])[]): { values: number[]; vectors: number[][] } {
  const a = m.map((r) => [...r]);
  const v = [[1, 0, 0], [0, 1, 0], [0, 0, 1]];
  for (let sweep = 0; sweep < 50; sweep++) {
    const off = a[0][1] ** 2 + a[0][2] ** 2 + a[1][2] ** 2;
    if (off < 1e-30) break;
    for (const [p, q] of [[0, 1], [0, 2], [1, 2]]) {
      if (Math.abs(a[p][q]) < 1e-300) continue;
      const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1);
      const s = t * c;
      for (let k = 0; k < 3; k++) {
        const akp = a[k][p], akq = a[k][q];
        a[k][p] = c * akp - s * akq;
        a[k][q] = s * akp + c * akq;
      }
      for (let k = 0; k < 3; k++) {
        const apk = a[p][k], aqk = a[q][k];
        a[p][k] = c * apk - s * aqk;
        a[q][k] = s * apk + c * aqk;
      }
      for (let k = 0; k < 3; k++) {
        const vkp = v[k][p], vkq = v[k][q];
        v[k][p] = c * vkp - s * vkq;
        v[k][q] = s * vkp + c * vkq;
      }
    }
  }
  const order = [0, 1, 2].sort((i, j) => a[j][j] - a[i][i]);
  return { values: order.map((i) => a[i][i]), vectors: order.map((i) => [v[0][i], v[1][i], v[2][i]]) };
}

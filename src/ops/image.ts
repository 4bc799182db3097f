/**
 * The GPU input pipeline of an image classifier: bytes in, a normalised float32 NCHW batch out.
 *
 *   const pixels = uploadBytes(batchBytes);               // n × 3 × S × S bytes, CHW planes
 *   const x = prepareImages(pixels, { n, inSize: 32, mean: [0.49, 0.48, 0.45], outSize: 224,
 *                                     crop: { size: 32, padding: 4, offsets }, flip, lighting });
 *
 * For each image, in this order (the order of torchvision's RandomCrop(size, padding) →
 * RandomHorizontalFlip → ToTensor → lighting → Normalize, with the Resize applied to the float
 * crop, as torchvision's Resize on a tensor does):
 *   1. pad by `crop.padding` black (0) pixels on every side;
 *   2. take the `crop.size` square at `crop.offsets[2i], [2i+1]` (row, column, in padded coordinates);
 *   3. mirror it left-right where `flip[i]` is set;
 *   4. resize it to `outSize` bilinearly with half-pixel centres (PyTorch's align_corners=False:
 *      source = (dst + 0.5) · crop/out − 0.5, clamped at 0), which is torchvision's Resize when
 *      enlarging (antialiasing only changes shrinking); the values stay float (not rounded to bytes);
 *   5. out = (pixel / 255 + lighting[3i + c] − mean[c]) / std[c]. `std` defaults to 1, as in the
 *      AlexNet paper, which only subtracts the mean. `lighting` carries the per-image PCA colour
 *      offsets Σ αⱼ λⱼ pⱼ (see `rgbPca` and the data helpers of the AlexNet example).
 * Without `crop` the whole image is used; without `outSize` the output has the crop's size.
 */
import { WebgradError } from '../errors.js';
import { prepareImagesKernel } from '../kernels/image.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { bindingLimits, requireWhole } from '../kernels/ranges.js';
import { tensor } from './creation.js';

export interface PrepareImagesOptions {
  /** Number of images in `pixels`. */
  n: number;
  /** Side of the (square) source images. */
  inSize: number;
  /** Per-channel mean, in units of pixel / 255. */
  mean: readonly [number, number, number] | readonly number[];
  /** Per-channel standard deviation, in units of pixel / 255 (default 1, 1, 1). */
  std?: readonly [number, number, number] | readonly number[];
  /** Side of the output (default: the crop's size). */
  outSize?: number;
  crop?: {
    size: number;
    /** Black border added on each side before cropping (default 0). */
    padding?: number;
    /** Per image, the crop's top row and left column in padded coordinates: 2n integers in [0, inSize + 2·padding − size]. */
    offsets: ArrayLike<number>;
  };
  /** Per image, mirror left-right when truthy (n values). */
  flip?: ArrayLike<number | boolean>;
  /** Per image, RGB offsets added to pixel / 255 (3n values), e.g. PCA lighting noise. */
  lighting?: ArrayLike<number>;
}

/** An int32 tensor holding `bytes` four per word, little-endian (zero-padded to a whole word), for `prepareImages`. */
export function uploadBytes(bytes: Uint8Array): Tensor {
  if (!(bytes instanceof Uint8Array)) throw new WebgradError(`webgrad: uploadBytes: bytes must be a Uint8Array, got ${typeof bytes}`);
  const words = Math.ceil(bytes.length / 4);
  const padded = new Uint8Array(words * 4);
  padded.set(bytes);
  return tensor(new Int32Array(padded.buffer), [words], { dtype: 'int32' });
}

/** Pads, crops, flips, resizes and normalises a batch of byte images on the GPU; returns float32 [n, 3, outSize, outSize]. */
export function prepareImages(pixels: Tensor, options: PrepareImagesOptions): Tensor {
  checkTensor(pixels, 'prepareImages: pixels');
  const o = options ?? ({} as PrepareImagesOptions);
  const { n, inSize } = o;
  const positiveInt = (v: unknown, what: string, allowZero = false) => {
    if (!Number.isInteger(v) || (v as number) < (allowZero ? 0 : 1)) {
      throw new WebgradError(`webgrad: prepareImages: ${what} must be a ${allowZero ? 'non-negative' : 'positive'} integer, got ${String(v)}`);
    }
  };
  positiveInt(n, 'n', true);
  positiveInt(inSize, 'inSize');
  if (pixels.dtype !== 'int32') throw new WebgradError(`webgrad: prepareImages: pixels must be int32 (bytes packed 4 per word, see uploadBytes), got ${pixels.dtype}`);
  const bytes = n * 3 * inSize * inSize;
  if (pixels.size * 4 < bytes) {
    throw new WebgradError(
      `webgrad: prepareImages: pixels of shape [${pixels.shape.join(', ')}] hold ${pixels.size * 4} bytes; n=${n} images of 3×${inSize}×${inSize} need ${bytes}`,
    );
  }
  const mean = channels(o.mean, 'mean');
  const std = o.std === undefined ? [1, 1, 1] : channels(o.std, 'std');
  if (std.some((s) => !(s > 0))) throw new WebgradError(`webgrad: prepareImages: std must be positive, got [${std.join(', ')}]`);

  const padding = o.crop?.padding ?? 0;
  const cropSize = o.crop?.size ?? inSize;
  positiveInt(padding, 'crop.padding', true);
  positiveInt(cropSize, 'crop.size');
  const room = inSize + 2 * padding - cropSize;
  if (room < 0) throw new WebgradError(`webgrad: prepareImages: crop.size ${cropSize} exceeds the padded image (${inSize} + 2·${padding})`);
  const outSize = o.outSize ?? cropSize;
  positiveInt(outSize, 'outSize');

  const perImage = new Float32Array(n * 8);
  if (o.crop) {
    const offsets = o.crop.offsets;
    if (!offsets || offsets.length !== 2 * n) throw new WebgradError(`webgrad: prepareImages: crop.offsets must hold 2n = ${2 * n} values (row, column per image), got ${offsets?.length}`);
    for (let i = 0; i < 2 * n; i++) {
      const v = offsets[i];
      if (!Number.isInteger(v) || v < 0 || v > room) {
        throw new WebgradError(`webgrad: prepareImages: crop.offsets[${i}] = ${v} is outside [0, ${room}] (image ${inSize}, padding ${padding}, crop ${cropSize})`);
      }
      perImage[(i >> 1) * 8 + (i & 1)] = v;
    }
  }
  if (o.flip !== undefined) {
    if (o.flip.length !== n) throw new WebgradError(`webgrad: prepareImages: flip must hold n = ${n} values, got ${o.flip.length}`);
    for (let i = 0; i < n; i++) perImage[i * 8 + 2] = o.flip[i] ? 1 : 0;
  }
  if (o.lighting !== undefined) {
    if (o.lighting.length !== 3 * n) throw new WebgradError(`webgrad: prepareImages: lighting must hold 3n = ${3 * n} values (RGB per image), got ${o.lighting.length}`);
    for (let i = 0; i < 3 * n; i++) {
      const v = o.lighting[i];
      if (!Number.isFinite(v)) throw new WebgradError(`webgrad: prepareImages: lighting[${i}] = ${v} is not finite`);
      perImage[Math.floor(i / 3) * 8 + 3 + (i % 3)] = v;
    }
  }
  // image.wgsl binds the pixels and the result whole.
  requireWhole(bindingLimits(), ['prepareImages: pixels', pixels.shape], ['prepareImages: the result', [n, 3, outSize, outSize]]);
  const params = tensor(perImage, [n, 8]);
  try {
    return prepareImagesKernel(pixels, params, { n, inSize, cropSize, outSize, padding, mean, std });
  } finally {
    params.dispose();
  }
}

function channels(v: unknown, what: string): number[] {
  const values = v && typeof v === 'object' ? Array.from(v as ArrayLike<number>) : [];
  if (values.length !== 3 || !values.every(Number.isFinite)) {
    throw new WebgradError(`webgrad: prepareImages: ${what} must be 3 finite numbers (R, G, B), got ${JSON.stringify(v)}`);
  }
  return values;
}

import { runtime } from '../device/current.js';
import { Tensor } from '../tensor/tensor.js';
import { Uniforms, bytesOf } from '../runtime/uniforms.js';

const WORKGROUP = 256;

export interface ImageKernelArgs {
  n: number;
  inSize: number;
  cropSize: number;
  outSize: number;
  padding: number;
  mean: readonly number[];
  std: readonly number[];
}

/**
 * Runs image.wgsl. `pixels` holds the bytes (4 per word); `perImage` holds 8 floats per image
 * (crop y, crop x, flip, lighting r g b, 0, 0). Arguments are already checked by the caller.
 */
export function prepareImagesKernel(pixels: Tensor, perImage: Tensor, a: ImageKernelArgs): Tensor {
  const out = Tensor.empty([a.n, 3, a.outSize, a.outSize]);
  if (out.size === 0) return out;
  // One invocation per 4 outputs of a row (XS in image.wgsl).
  const invocations = a.n * 3 * a.outSize * Math.ceil(a.outSize / 4);
  const u = new Uniforms()
    .u32(invocations, a.n, a.inSize, a.cropSize, a.outSize, a.padding, 0, 0)
    .f32(a.cropSize / a.outSize, 0, 0, 0)
    .f32(a.mean[0], a.mean[1], a.mean[2], 0)
    .f32(1 / a.std[0], 1 / a.std[1], 1 / a.std[2], 1);
  runtime().dispatch(
    { files: ['image'], entry: 'main' },
    { uniforms: bytesOf(u), buffers: [pixels.buffer, perImage.buffer, out.buffer], workgroups: Math.ceil(invocations / WORKGROUP) },
  );
  return out;
}

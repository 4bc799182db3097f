import { runtime } from '../device/current.js';
import { declareKernel } from '../runtime/kernel.js';
import { Tensor } from '../tensor/tensor.js';
import { uniformLayout } from '../runtime/wgsl-struct.js';

const WORKGROUP = 256;

export const IMAGE_PARAMS = uniformLayout('image', {
  invocations: 'u32', n: 'u32', inSize: 'u32', cropSize: 'u32',
  outSize: 'u32', padding: 'u32', _p0: 'u32', _p1: 'u32',
  scale: 'f32', _p2: 'f32', _p3: 'f32', _p4: 'f32',
  mean: 'vec4<f32>',
  invStd: 'vec4<f32>',
});
const IMAGE = declareKernel({ file: 'image', entries: ['main'], params: IMAGE_PARAMS, workgroup: WORKGROUP });

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
  const u = IMAGE_PARAMS.pack({
    invocations,
    n: a.n,
    inSize: a.inSize,
    cropSize: a.cropSize,
    outSize: a.outSize,
    padding: a.padding,
    scale: a.cropSize / a.outSize,
    mean: [a.mean[0], a.mean[1], a.mean[2], 0],
    invStd: [1 / a.std[0], 1 / a.std[1], 1 / a.std[2], 1],
  });
  runtime().dispatch(
    IMAGE.spec('main'),
    { uniforms: u, buffers: [pixels.buffer, perImage.buffer, out.buffer], workgroups: Math.ceil(invocations / WORKGROUP) },
  );
  return out;
}

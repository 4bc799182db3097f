import type { Tensor } from '../tensor/tensor.js';
import type { HostTensor } from './safetensors-format.js';

/**
 * Reads tensors back from the GPU in safetensors' host form (float32 as F32, int32 as I32), all
 * readbacks started together (one wait, not one per tensor): what `encodeSafetensors` takes, and
 * what `saveSafetensors` writes without reading again (to check values before saving them).
 */
export async function readTensors(tensors: Record<string, Tensor>): Promise<Record<string, HostTensor>> {
  const entries = Object.entries(tensors);
  const arrays = await Promise.all(entries.map(([, t]) => t.toArray()));
  const host: Record<string, HostTensor> = {};
  entries.forEach(([name, t], i) => {
    host[name] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: [...t.shape], data: arrays[i] };
  });
  return host;
}

// Node-only: safetensors checkpoints on disk. The format itself is in safetensors-format.ts.
import { readFile } from 'node:fs/promises';
import { WebgradError } from '../device/errors.js';
import { tensor } from '../ops/creation.js';
import { checkTensor, type Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic-file.js';
import { decodeSafetensors, encodeSafetensors, type HostTensor } from './safetensors-format.js';

/**
 * Reads the tensors back from the GPU and writes them as a .safetensors file (float32 as F32, int32
 * as I32). The file is replaced atomically: an interrupted save leaves the previous file intact.
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new WebgradError(`webgrad: saveSafetensors: path must be a non-empty string, got ${String(path)}`);
  for (const [name, t] of Object.entries(tensors)) checkTensor(t, `saveSafetensors: tensor '${name}'`);
  await writeFileAtomic(path, encodeSafetensors(await readTensors(tensors), metadata));
}

/** Reads tensors back from the GPU as safetensors' host form, all readbacks started together (one wait, not one per tensor). */
export async function readTensors(tensors: Record<string, Tensor>): Promise<Record<string, HostTensor>> {
  const entries = Object.entries(tensors);
  const arrays = await Promise.all(entries.map(([, t]) => t.toArray()));
  const host: Record<string, HostTensor> = {};
  entries.forEach(([name, t], i) => {
    host[name] = { dtype: t.dtype === 'int32' ? 'I32' : 'F32', shape: [...t.shape], data: arrays[i] };
  });
  return host;
}

/** Loads a .safetensors file onto the GPU; the header is checked before any tensor is created. */
export async function loadSafetensors(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new WebgradError(`webgrad: loadSafetensors: cannot read '${path}': ${(error as Error).message}`);
  }
  let decoded;
  try {
    decoded = decodeSafetensors(bytes);
  } catch (error) {
    throw new WebgradError(`${(error as Error).message} (in '${path}')`);
  }
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(decoded.tensors)) {
    tensors[name] = tensor(t.data, t.shape, { dtype: t.dtype === 'I32' ? 'int32' : 'float32' });
  }
  return { tensors, metadata: decoded.metadata };
}

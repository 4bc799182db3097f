// Node-only: safetensors checkpoints on disk. The format itself is in safetensors-format.ts.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
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
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) {
    throw new WebgradError(`webgrad: saveSafetensors('${path}'): tensors must be a record of named tensors, got ${Array.isArray(tensors) ? 'an array' : String(tensors)}`);
  }
  for (const [name, t] of Object.entries(tensors)) checkTensor(t, `saveSafetensors('${path}'): tensor '${name}'`);
  if (metadata !== undefined && metadata !== null) {
    if (typeof metadata !== 'object') throw new WebgradError(`webgrad: saveSafetensors('${path}'): metadata must be a record of strings, got ${typeof metadata}`);
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new WebgradError(`webgrad: saveSafetensors('${path}'): metadata '${key}' must be a string, got ${typeof value}`);
    }
  }
  // Before any readback: a folder that is not there fails now, not after the GPU work.
  const folder = dirname(resolve(path));
  const info = await stat(folder).catch(() => null);
  if (!info?.isDirectory()) {
    throw new WebgradError(`webgrad: saveSafetensors: cannot write '${path}': the folder '${folder}' ${info ? 'is not a folder' : 'does not exist'} (create it first)`);
  }
  const existing = await stat(path).catch(() => null);
  if (existing?.isDirectory()) throw new WebgradError(`webgrad: saveSafetensors: cannot write '${path}': it is a folder`);
  await writeFileAtomic(path, encodeSafetensors(await readTensors(tensors), metadata ?? undefined));
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
  if (typeof path !== 'string' || path === '') throw new WebgradError(`webgrad: loadSafetensors: path must be a non-empty string, got ${String(path)}`);
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
  let current = '';
  try {
    for (const [name, t] of Object.entries(decoded.tensors)) {
      current = name;
      tensors[name] = tensor(t.data, t.shape, { dtype: t.dtype === 'I32' ? 'int32' : 'float32' });
    }
  } catch (error) {
    // Nothing of a failed load stays on the device.
    for (const t of Object.values(tensors)) t.dispose();
    throw new WebgradError(`webgrad: loadSafetensors: tensor '${current}' of '${path}': ${(error as Error).message.replace(/^webgrad: /, '')}`);
  }
  return { tensors, metadata: decoded.metadata };
}

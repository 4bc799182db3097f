// Node-only: safetensors checkpoints on disk. The format itself is in safetensors-format.ts.
import { readFile, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { WebgradError } from '../errors.js';
import { tensor } from '../ops/creation.js';
import { checkTensor, Tensor } from '../tensor/tensor.js';
import { writeFileAtomic } from './atomic-file.js';
import { decodeSafetensors, encodeSafetensors, type HostTensor } from './safetensors-format.js';
import { readTensors } from './read-tensors.js';

/**
 * Reads the tensors back from the GPU and writes them as a .safetensors file (float32 as F32, int32
 * as I32). Tensors already read back (`readTensors`, or any HostTensor) are written as they are.
 * The file is replaced atomically: an interrupted save leaves the previous file intact.
 */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor | HostTensor>, metadata?: Record<string, string>): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new WebgradError(`webgrad: saveSafetensors: path must be a non-empty string, got ${String(path)}`);
  if (tensors === null || typeof tensors !== 'object' || Array.isArray(tensors)) {
    throw new WebgradError(`webgrad: saveSafetensors('${path}'): tensors must be a record of named tensors, got ${Array.isArray(tensors) ? 'an array' : String(tensors)}`);
  }
  const onGpu: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor) && isHostTensor(t)) continue;
    checkTensor(t, `saveSafetensors('${path}'): tensor '${name}'`);
    onGpu[name] = t;
  }
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
  const read = await readTensors(onGpu);
  const host = Object.fromEntries(Object.entries(tensors).map(([name, t]) => [name, read[name] ?? (t as HostTensor)]));
  await writeFileAtomic(path, encodeSafetensors(host, metadata ?? undefined));
}

const isHostTensor = (t: unknown): t is HostTensor =>
  t !== null && typeof t === 'object' && 'data' in t && 'dtype' in t && 'shape' in t && ArrayBuffer.isView((t as HostTensor).data);

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

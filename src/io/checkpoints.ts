// Public entry points for safetensors files. The file I/O is Node-only (safetensors.ts), so it is
// loaded on first use: importing webgrad in a browser pulls in no Node module.
import type { Tensor } from '../tensor/tensor.js';

/** Writes tensors to a .safetensors file, atomically (temporary file, fsync, rename). Node only. */
export async function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): Promise<void> {
  const io = await import('./safetensors.js');
  return io.saveSafetensors(path, tensors, metadata);
}

/** Loads a .safetensors file onto the GPU, refusing a header that does not match the data. Node only. */
export async function loadSafetensors(path: string): Promise<{ tensors: Record<string, Tensor>; metadata: Record<string, string> }> {
  const io = await import('./safetensors.js');
  return io.loadSafetensors(path);
}

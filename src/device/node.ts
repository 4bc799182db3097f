// Node-only: acquires WebGPU through Dawn's bindings (the `webgpu` package) and reads files.
// The core never imports this module statically, so it stays free of Node APIs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The object from `create()`. Dawn crashes the process if it is garbage-collected while a device
 * lives, so it is held here for the life of the process.
 */
let instance: GPU | null = null;

/**
 * Dawn's flags for `create()`. Timestamps unquantised: Dawn rounds them to 65.5 µs by default, a
 * browser's defence against timing attacks that a Node process has no use for, and that makes the
 * sub-millisecond times of kernels in a profile meaningless.
 */
export const DAWN_FLAGS: readonly string[] = ['disable-dawn-features=timestamp_quantization'];

export async function nodeGpu(flags: readonly string[] = DAWN_FLAGS): Promise<GPU> {
  if (instance) return instance;
  const { create, globals } = (await import('webgpu')) as unknown as {
    create(flags: readonly string[]): GPU;
    globals: Record<string, unknown>;
  };
  // The WebGPU classes and constants (GPUBufferUsage, …) as globals, as in a browser.
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  instance = create(flags);
  return instance;
}

export async function readText(url: URL): Promise<string> {
  return readFile(fileURLToPath(url), 'utf8');
}

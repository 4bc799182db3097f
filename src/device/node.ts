// Node-only: acquires WebGPU through Dawn's bindings (the `webgpu` package) and reads files.
// The core never imports this module statically, so it stays free of Node APIs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * The object from `create()`. Dawn crashes the process if it is garbage-collected while a device
 * lives, so it is held here for the life of the process.
 */
let instance: GPU | null = null;

export async function nodeGpu(flags: string[] = []): Promise<GPU> {
  if (instance) return instance;
  const { create, globals } = (await import('webgpu')) as unknown as {
    create(flags: string[]): GPU;
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

/** The text of the file at `path`, or null where there is none. */
export async function readTextIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

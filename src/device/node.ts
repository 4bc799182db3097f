// Node-only: acquires WebGPU through Dawn's bindings (the `webgpu` package) and reads files.
// Only the Node entry (src/index.ts) imports this module, so the browser entry stays free of Node APIs.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { hasRuntime, runtime } from './current.js';
import { start, type InitOptions } from './init.js';
import type { AdapterSummary } from './gpu.js';

/**
 * Acquires the adapter and device and loads the kernels. Calling it again returns the same device.
 * The GPU is `options.gpu` or else Dawn's (the `webgpu` package).
 */
export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  if (hasRuntime()) return runtime().gpu.info;
  return start(options, options.gpu ?? (await nodeGpu()), readKernel);
}

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

/** A kernel's WGSL from src/kernels/wgsl/ (only running from the sources: a build has the texts in it). */
async function readKernel(name: string): Promise<string> {
  return readFile(fileURLToPath(new URL(`../kernels/wgsl/${name}.wgsl`, import.meta.url)), 'utf8');
}

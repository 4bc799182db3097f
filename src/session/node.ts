// Node-only: acquires WebGPU through Dawn's bindings (the `webgpu` package) and reads files.
// Only the Node entry (src/node.ts) imports this module, so the browser entry stays free of Node APIs.
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkInitOptions, currentDevice, start, type InitOptions } from './init.js';
import type { AdapterSummary } from '../runtime/gpu.js';
import { writeFileAtomic } from '../io/atomic-file.js';
import { WebgradError } from '../errors.js';

/**
 * Acquires the adapter and device and loads the kernels. Calling it again returns the same device
 * (a new one if that was lost). The GPU is `options.gpu` or else Dawn's (the `webgpu` package).
 */
export async function init(options: InitOptions = {}): Promise<AdapterSummary> {
  checkInitOptions(options);
  const running = currentDevice();
  if (running) return running;
  const debug = options.debug ?? process.env.WEBGRAD_DEBUG === '1';
  // Where autotuning runs (the policy's `autotune`), its tables are cached in a file: the one given,
  // none for `autotune: { file: null }`, else defaultTuningFile.
  const file = defaultTuningFile(process.env, homedir());
  return start({ ...options, debug }, options.gpu ?? (await nodeGpu(dawnFlags(options))), readKernel, { file, files: { read: readTextIfExists, write: writeFileCreatingFolder } });
}

/**
 * Where the GEMM autotuner keeps its tables by default: `$XDG_CACHE_HOME/webgrad/gemm-tuning.json`,
 * or under `~/.cache` where XDG_CACHE_HOME is not set (or not absolute, as the XDG rules say).
 */
export function defaultTuningFile(env: Readonly<Record<string, string | undefined>>, home: string): string {
  const xdg = env.XDG_CACHE_HOME;
  return join(xdg && xdg.startsWith('/') ? xdg : join(home, '.cache'), 'webgrad', 'gemm-tuning.json');
}

async function writeFileCreatingFolder(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}

/**
 * The object from `create()`. Dawn crashes the process if it is garbage-collected while a device
 * lives, so it is held here for the life of the process.
 */
let instance: GPU | null = null;

/** The flags `instance` was made with. */
let instanceFlags: readonly string[] = [];

/**
 * Dawn's flags for `create()`. Timestamps unquantised: Dawn rounds them to 65.5 µs by default, a
 * browser's defence against timing attacks that a Node process has no use for, and that makes the
 * sub-millisecond times of kernels in a profile meaningless.
 */
export const DAWN_FLAGS: readonly string[] = ['disable-dawn-features=timestamp_quantization'];

/** Dawn's flags for init's options (each of Dawn's flags once: a second would replace the first). */
export function dawnFlags(options: Pick<InitOptions, 'robustness'>): string[] {
  return options.robustness === false ? [...DAWN_FLAGS, 'enable-dawn-features=disable_robustness'] : [...DAWN_FLAGS];
}

/**
 * Dawn's GPU, made once per process with `flags` (default DAWN_FLAGS). Without flags, the one made
 * already, whatever its flags; asking for other flags afterwards is an error: Dawn's settings live
 * in the instance, which cannot be made twice.
 */
export async function nodeGpu(requested?: readonly string[]): Promise<GPU> {
  const flags = requested ?? (instance ? instanceFlags : DAWN_FLAGS);
  if (instance) {
    if (flags.join(' ') !== instanceFlags.join(' ')) {
      throw new WebgradError(
        `webgrad: init: Dawn was started in this process with ${JSON.stringify(instanceFlags)}, and cannot be started again with ${JSON.stringify(flags)} ` +
          '(robustness is decided by the first init() of a process)',
      );
    }
    return instance;
  }
  const { create, globals } = (await import('webgpu')) as unknown as {
    create(flags: readonly string[]): GPU;
    globals: Record<string, unknown>;
  };
  // The WebGPU classes and constants (GPUBufferUsage, …) as globals, as in a browser.
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  const gpu = create(flags);
  // The instance finds its adapters on the first request, once, and that is when Dawn prints its
  // notes on limits it clamps (on lavapipe: "maxDynamicUniformBuffersPerPipelineLayout
  // artificially reduced from 1000000 to 16", the same for storage buffers). Dawn has no option
  // to turn them off and prints them whatever limits are requested, so the first request is made
  // here with standard error pointed away; the adapter found is dropped (later requests reuse
  // the instance's discovery and print nothing).
  try {
    await withNativeStderrSilenced(() => gpu.requestAdapter());
  } catch {
    // Gpu.create asks again and reports what went wrong.
  }
  instance = gpu;
  instanceFlags = [...flags];
  return instance;
}

/**
 * Runs `start` (which must do its native printing synchronously, before it returns) with file
 * descriptor 2 pointed at /dev/null, then points it back. Node cannot duplicate a descriptor,
 * so the original is reopened through /proc/self/fd, which is only faithful for a terminal or a
 * pipe or a file opened for appending: on Linux with standard error on one of those it is
 * silenced; elsewhere (a file written from an offset, which a reopened descriptor would not
 * share; a socket; other systems) `start` simply runs. No JavaScript runs in between, so only
 * native output of those few milliseconds is lost.
 */
function withNativeStderrSilenced<T>(start: () => T): T {
  let saved = -1;
  try {
    if (process.platform !== 'linux' || !reopenable(2)) return start();
    saved = openSync('/proc/self/fd/2', 'a');
  } catch {
    return start();
  }
  closeSync(2);
  const devNull = openSync('/dev/null', 'w'); // the lowest free descriptor: 2, just freed
  try {
    return start();
  } finally {
    closeSync(devNull);
    openSync(`/proc/self/fd/${saved}`, 'a'); // 2 again
    closeSync(saved);
  }
}

/**
 * Whether reopening descriptor `fd` through /proc gives an equivalent one: a terminal or a pipe
 * (no offset), or a file every writer appends to (opened with O_APPEND, as `2>>file` does).
 */
function reopenable(fd: number): boolean {
  const stat = fstatSync(fd);
  if (stat.isFIFO() || stat.isCharacterDevice()) return true;
  if (!stat.isFile()) return false;
  const flags = /^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/self/fdinfo/${fd}`, 'utf8'));
  return !!flags && (Number.parseInt(flags[1], 8) & constants.O_APPEND) !== 0;
}

/** A kernel's WGSL from src/kernels/wgsl/ (only running from the sources: a build has the texts in it). */
async function readKernel(name: string): Promise<string> {
  return readFile(fileURLToPath(new URL(`../kernels/wgsl/${name}.wgsl`, import.meta.url)), 'utf8');
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

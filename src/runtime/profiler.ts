import type { KernelSpec } from './kernel-spec.js';

/** GPU time spent in one kernel (one pipeline), or in one kind of copy, while profiling. */
export interface KernelTime {
  /**
   * The kernel's source file, entry point and override constants, e.g. `gemm:main TRANS_A=0
   * TRANS_B=1`; or the copy's command, `copyBufferToTexture` or `copyBufferToBuffer`.
   */
  kernel: string;
  calls: number;
  /** Summed GPU milliseconds of its dispatches. */
  ms: number;
}

export interface KernelProfile {
  /** Kernels by GPU time, most first. */
  kernels: KernelTime[];
  /** GPU milliseconds of all dispatches and copies together. */
  gpuMs: number;
  /** Wall milliseconds from the start of profiling until the GPU had finished the profiled work. */
  wallMs: number;
  dispatches: number;
  /** Copies between buffers and into textures (the texture GEMM's operands), timed like dispatches. */
  copies: number;
  /**
   * CPU milliseconds from the start of profiling until the profiled function returned (or its
   * promise settled): the time spent recording its commands, with the profiler's own per-dispatch
   * passes.
   */
  recordMs: number;
  /** GPU buffers and textures the profiled work created, the buffers' bytes, and the CPU ms spent creating them all. */
  buffersCreated: number;
  bytesCreated: number;
  texturesCreated: number;
  createMs: number;
}

const QUERY_RESOLVE = 0x0200;
const COPY_SRC = 0x0004;

export function kernelLabel(spec: KernelSpec): string {
  if (spec.label) return spec.label;
  const name = `${spec.files[spec.files.length - 1]}:${spec.entry}`;
  // The workgroup size (WG) says nothing about what ran; the other overrides choose the kernel's form.
  const overrides = Object.entries(spec.overrides ?? {}).filter(([k]) => k !== 'WG').map(([k, v]) => `${k}=${Number(v)}`);
  return [name, ...overrides].join(' ');
}

/**
 * Timestamps around every dispatch and copy, so that each kernel's GPU time can be summed. While it is on,
 * each dispatch gets a compute pass of its own (the timestamps are the pass's beginning and end),
 * which serialises work a GPU might otherwise overlap: profile to see where time goes, and time
 * with the bench.
 */
export class KernelProfiler {
  private readonly sets: { querySet: GPUQuerySet; labels: string[] }[] = [];

  constructor(
    /** Creates the query sets and the buffers they are resolved into (the runtime's, which counts buffers). */
    private readonly device: Pick<GPUDevice, 'createQuerySet' | 'createBuffer'>,
    private readonly dispatchesPerSet = 2048,
  ) {}

  /** The query pair (indices index, index + 1) that brackets the next dispatch or copy. */
  slot(label: string): { querySet: GPUQuerySet; index: number } {
    let set = this.sets[this.sets.length - 1];
    if (!set || set.labels.length === this.dispatchesPerSet) {
      set = { querySet: this.device.createQuerySet({ type: 'timestamp', count: 2 * this.dispatchesPerSet }), labels: [] };
      this.sets.push(set);
    }
    set.labels.push(label);
    return { querySet: set.querySet, index: 2 * (set.labels.length - 1) };
  }

  /**
   * Resolves every timestamp written so far and sums them per kernel. `encode` records commands
   * after the profiled work; `read` reads a buffer back once the GPU is done with it.
   */
  async collect(
    encode: (fn: (encoder: GPUCommandEncoder) => void) => void,
    read: (buffer: GPUBuffer, bytes: number) => Promise<ArrayBuffer>,
  ): Promise<Map<string, KernelTime>> {
    const totals = new Map<string, KernelTime>();
    for (const { querySet, labels } of this.sets) {
      const bytes = 16 * labels.length;
      const resolved = this.device.createBuffer({ size: bytes, usage: QUERY_RESOLVE | COPY_SRC });
      encode((encoder) => encoder.resolveQuerySet(querySet, 0, 2 * labels.length, resolved, 0));
      const stamps = new BigUint64Array(await read(resolved, bytes));
      resolved.destroy();
      querySet.destroy();
      labels.forEach((kernel, i) => {
        const ms = Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6;
        const t = totals.get(kernel) ?? { kernel, calls: 0, ms: 0 };
        t.calls++;
        t.ms += ms;
        totals.set(kernel, t);
      });
    }
    this.sets.length = 0;
    return totals;
  }
}

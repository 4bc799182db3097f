import type { KernelSpec } from './kernel-spec.js';
import type { KernelTime } from './profiler.js';

/** What creating and first using the pipelines of one kernel (WGSL file and entry point) cost. */
export interface KernelPipelines {
  /** `file:entry`, e.g. `gemm:main`. */
  kernel: string;
  /** Distinct pipelines (override constants) of it created. */
  pipelines: number;
  /** Wall milliseconds inside createShaderModule and createComputePipeline. */
  createMs: number;
  /**
   * GPU milliseconds of each pipeline's first dispatch, from timestamps around it: a driver that
   * compiles a pipeline when it first runs it (lavapipe) compiles it in there. 0 unless first uses
   * are timed.
   */
  firstUseMs: number;
}

export const kernelName = (spec: KernelSpec): string => `${spec.files[spec.files.length - 1]}:${spec.entry}`;

/** Counts the pipelines each kernel creates and what creating them and their first dispatches cost. */
export class PipelineStats {
  private readonly byKernel = new Map<string, KernelPipelines>();

  created(spec: KernelSpec, ms: number): void {
    const k = this.entry(kernelName(spec));
    k.pipelines++;
    k.createMs += ms;
  }

  /** Every kernel's figures with the first uses timed (the profiler's sums by kernelName), costliest first. */
  report(firstUses: Iterable<KernelTime> = []): KernelPipelines[] {
    const out = new Map([...this.byKernel].map(([name, k]) => [name, { ...k }]));
    for (const t of firstUses) {
      const k = out.get(t.kernel);
      if (k) k.firstUseMs += t.ms;
    }
    return [...out.values()].sort((a, b) => b.firstUseMs + b.createMs - (a.firstUseMs + a.createMs));
  }

  private entry(kernel: string): KernelPipelines {
    let k = this.byKernel.get(kernel);
    if (!k) this.byKernel.set(kernel, (k = { kernel, pipelines: 0, createMs: 0, firstUseMs: 0 }));
    return k;
  }
}

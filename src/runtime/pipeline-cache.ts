import { kernelSource } from './sources.js';
import { checkKernelContract } from './kernel-contract.js';
import type { KernelSpec } from './kernel-spec.js';

/** What identifies a pipeline: its files, entry point and override constants. */
export const pipelineKey = (spec: KernelSpec): string => `${spec.files.join('+')}:${spec.entry}:${spec.overrides ? JSON.stringify(spec.overrides) : ''}`;

/**
 * The compute pipelines of one device, keyed by files, entry and override constants, and the shader
 * modules they share (keyed by their WGSL text). A pipeline is created when first asked for, after
 * its declarations are checked against the WGSL (kernel-contract.ts).
 */
export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(
    private readonly device: GPUDevice,
    /** Called with the message of a pipeline that failed to compile (the device cannot go on). */
    private readonly fail: (message: string) => void,
    /** Called after each pipeline created, with the CPU milliseconds its creation took. */
    private readonly created: (spec: KernelSpec, ms: number) => void,
  ) {}

  get(spec: KernelSpec): GPUComputePipeline {
    const key = pipelineKey(spec);
    let pipeline = this.pipelines.get(key);
    if (pipeline) return pipeline;
    const t0 = performance.now();
    const code = kernelSource(spec.files);
    checkKernelContract(spec);
    // Created synchronously, when first dispatched, inside an error scope whose failures go through
    // the device's error path. dawn.node once crashed in createComputePipelineAsync and
    // getCompilationInfo; webgpu 0.6.2 runs both (checked on lavapipe), but dispatches are recorded
    // synchronously, and lavapipe compiles a pipeline when it first runs it whichever call made it.
    this.device.pushErrorScope('validation');
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code, label: spec.files.join('+') });
      this.modules.set(code, module);
    }
    pipeline = this.device.createComputePipeline({
      label: key,
      layout: 'auto',
      compute: { module, entryPoint: spec.entry, constants: spec.overrides as Record<string, number> | undefined },
    });
    this.device.popErrorScope().then((error) => {
      if (error) this.fail(`webgrad: kernel ${key} failed to compile: ${error.message}`);
    });
    this.pipelines.set(key, pipeline);
    this.created(spec, performance.now() - t0);
    return pipeline;
  }

  /** Drops every pipeline and module (tests use it to count compiles). */
  clear(): void {
    this.pipelines.clear();
    this.modules.clear();
  }
}

// What a dispatch names: the kernel (its files, entry, constants and declared uniforms) and what it
// binds. Its own file so that the profiler and the pipeline statistics, which label kernels, and the
// runtime, which runs them, all import it and not each other.
import type { KernelFile } from './sources.js';
import type { KernelConstants, UniformLayout } from './wgsl-struct.js';

/** Identifies one compute pipeline: the files its module is made of, the entry point, override constants. */
export interface KernelSpec {
  files: readonly KernelFile[];
  entry: string;
  overrides?: Readonly<Record<string, number>>;
  /** What the kernel profiler calls it where the rest says too little (an op code's name). */
  label?: string;
  /** The uniform block by field name, checked against the WGSL struct when the pipeline is created. */
  params?: UniformLayout;
  /** Named integer constants (op codes) the WGSL must declare with these values, checked likewise. */
  constants?: KernelConstants;
}

/** A storage binding (a whole buffer, or a range of one for panels of operands larger than a binding), or a texture. */
export type Binding = GPUBuffer | { buffer: GPUBuffer; offset: number; size: number } | { view: GPUTextureView };

export interface DispatchArgs {
  /** Bound at @binding(1), @binding(2), … in the order given. */
  buffers: readonly Binding[];
  /** Bound at @binding(0) as a uniform block; at most 256 bytes. */
  uniforms?: ArrayBufferView;
  /** A total count of workgroups (folded into a 2-D grid when needed) or an explicit grid. */
  workgroups: number | readonly [number, number, number];
}

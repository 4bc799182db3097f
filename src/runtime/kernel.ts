import { kernelModule, type KernelFile } from './sources.js';
import type { KernelConstants, UniformLayout } from './wgsl-struct.js';
import type { KernelSpec } from './kernel-spec.js';

export type { KernelSpec };


/**
 * One WGSL kernel file as its dispatcher declares it, once, beside the dispatcher: the file (its
 * preludes come from its `// requires:` line), its entry points, its uniform block, its named
 * constants and, where every entry runs the same, its workgroup size (the override `WG`).
 */
export interface KernelDeclaration<E extends string> {
  readonly file: KernelFile;
  readonly entries: readonly E[];
  readonly params?: UniformLayout;
  readonly constants?: KernelConstants;
  readonly workgroup?: number;
}

export interface Kernel<E extends string, W extends number | undefined = number | undefined> extends KernelDeclaration<E> {
  /** The declared workgroup size (the override `WG`), typed as declared: a number where one was given. */
  readonly workgroup: W;
  /**
   * The pipeline that runs `entry` with these override constants (and `WG` from the declaration);
   * `label` names it in profiles where file and entry say too little.
   */
  spec(entry: E, overrides?: Readonly<Record<string, number>>, label?: string): KernelSpec;
}

/** Declares a kernel: `declareKernel({ file: 'gelu', entries: ['forward', 'backward'], params: ELEMENTWISE_PARAMS, workgroup: 256 })`. */
export function declareKernel<const E extends string, W extends number | undefined = undefined>(declaration: KernelDeclaration<E> & { workgroup?: W }): Kernel<E, W> {
  const { file, params, constants, workgroup } = declaration;
  return {
    ...declaration,
    workgroup: workgroup as W,
    spec(entry, overrides, label) {
      const all = workgroup === undefined ? overrides : { ...overrides, WG: workgroup };
      return {
        files: kernelModule(file),
        entry,
        ...(all && { overrides: all }),
        ...(label !== undefined && { label }),
        ...(params && { params }),
        ...(constants && { constants }),
      };
    },
  };
}

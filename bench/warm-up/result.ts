// What one process of `npm run bench -- --warm-up` (child.ts) reports, on one line of its standard output.
import type { KernelPipelines } from '../../src/runtime/pipeline-stats.js';

export interface ChildResult {
  /** Seconds from the start of the process's script to init() (or tfjs's backend) being ready. */
  initS: number;
  /** Seconds of the workload itself, to its last loss read back. */
  workS: number;
  loss: number;
  /** CPU seconds of the whole process, every thread (a CPU adapter's workers too): what other load on the machine barely changes. */
  cpuS: number;
  /** webgrad only: pipelines created and their cost per kernel, costliest first. */
  kernels?: KernelPipelines[];
}

export const RESULT_PREFIX = 'warm-up: ';

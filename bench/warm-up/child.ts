// One process of `npm run bench -- --warm-up`: `tsx bench/warm-up/child.ts LIB WORKLOAD` runs the
// workload once on webgrad or tfjs and prints one line, `warm-up: {json}` (see ChildResult).
import { init, release } from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import type { KernelPipelines } from '../../src/runtime/pipeline-stats.js';
import { startTfjs } from '../tfjs.js';
import { WORKLOADS, tfjsWorkload, webgradWorkload, type Workload } from './workloads.js';

export interface ChildResult {
  /** Seconds from the start of the process's script to init() (or tfjs's backend) being ready. */
  initS: number;
  /** Seconds of the workload itself, to its last loss read back. */
  workS: number;
  loss: number;
  /** webgrad only: pipelines created and their cost per kernel, costliest first. */
  kernels?: KernelPipelines[];
}

export const RESULT_PREFIX = 'warm-up: ';

async function main(): Promise<void> {
  const [lib, workload] = process.argv.slice(2);
  if ((lib !== 'webgrad' && lib !== 'tfjs') || !WORKLOADS.includes(workload as Workload)) {
    throw new Error(`usage: child.ts webgrad|tfjs ${WORKLOADS.join('|')}`);
  }
  const t0 = performance.now();
  let result: ChildResult;
  if (lib === 'webgrad') {
    await init();
    runtime().timeFirstUses();
    const t1 = performance.now();
    const loss = await webgradWorkload(workload as Workload);
    const t2 = performance.now();
    result = { initS: (t1 - t0) / 1e3, workS: (t2 - t1) / 1e3, loss, kernels: await runtime().pipelineReport() };
    await release();
  } else {
    const peer = await startTfjs();
    if (!peer) throw new Error('tfjs-webgpu did not start');
    const t1 = performance.now();
    const loss = await tfjsWorkload(peer.tf, workload as Workload);
    const t2 = performance.now();
    result = { initS: (t1 - t0) / 1e3, workS: (t2 - t1) / 1e3, loss };
  }
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

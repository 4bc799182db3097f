// One process of `npm run bench -- --warm-up`: `tsx bench/warm-up/child.ts LIB WORKLOAD [--first-uses]`
// runs the workload once on webgrad or tfjs and prints one line, `warm-up: {json}` (see ChildResult).
// --first-uses (webgrad) times each new pipeline's first dispatch on the GPU, which serialises
// those dispatches: a run of its own, for the table of kernels, not for the process's time.
import { init, release } from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { startTfjs } from '../tfjs.js';
import { WORKLOADS, tfjsWorkload, webgradWorkload, type Workload } from './workloads.js';
import { RESULT_PREFIX, type ChildResult } from './result.js';

const cpuSeconds = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

async function main(): Promise<void> {
  const [lib, workload, flag] = process.argv.slice(2);
  if ((lib !== 'webgrad' && lib !== 'tfjs') || !WORKLOADS.includes(workload as Workload)) {
    throw new Error(`usage: child.ts webgrad|tfjs ${WORKLOADS.join('|')}`);
  }
  const t0 = performance.now();
  let result: ChildResult;
  if (lib === 'webgrad') {
    await init({ compileNotice: false });
    if (flag === '--first-uses') runtime().timeFirstUses();
    const t1 = performance.now();
    const loss = await webgradWorkload(workload as Workload);
    const t2 = performance.now();
    result = { initS: (t1 - t0) / 1e3, workS: (t2 - t1) / 1e3, loss, cpuS: cpuSeconds(), kernels: await runtime().pipelineReport() };
    await release();
  } else {
    const peer = await startTfjs();
    if (!peer) throw new Error('tfjs-webgpu did not start');
    const t1 = performance.now();
    const loss = await tfjsWorkload(peer.tf, workload as Workload);
    const t2 = performance.now();
    result = { initS: (t1 - t0) / 1e3, workS: (t2 - t1) / 1e3, loss, cpuS: cpuSeconds() };
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

// --profile: one more repetition of a case's webgrad side with a timestamp around every dispatch and copy,
// printed as GPU time per kernel, to see where a case's time goes (the timings stay the table's).
import { profileKernels, type KernelProfile } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import type { BenchCase } from './case.js';

export async function profileCase(c: BenchCase): Promise<KernelProfile> {
  const side = await c.webgrad();
  try {
    // Warm-ups outside the profile: pipelines compile on the first run, and the pool holds every
    // buffer a training step needs from its second (test/examples/buffer-churn.test.ts).
    for (let i = 0; i < 2; i++) {
      side.run();
      await runtime().sync();
    }
    return await profileKernels(() => side.run());
  } finally {
    side.dispose();
  }
}

export function printProfile(name: string, p: KernelProfile, rows = 12): void {
  console.log(
    `\nprofile of ${name}: ${p.dispatches} dispatches, ${p.copies} copies, GPU ${p.gpuMs.toFixed(2)} ms in them, ` +
      `wall ${p.wallMs.toFixed(2)} ms (one pass per dispatch while profiling); recording ${p.recordMs.toFixed(2)} ms of CPU; ` +
      `${p.buffersCreated} buffers (${(p.bytesCreated / 2 ** 20).toFixed(1)} MiB) and ${p.texturesCreated} textures created in ${p.createMs.toFixed(2)} ms`,
  );
  const width = Math.max(6, ...p.kernels.slice(0, rows).map((k) => k.kernel.length));
  console.log(`  ${'kernel'.padEnd(width)}  calls        ms      %`);
  for (const k of p.kernels.slice(0, rows)) {
    const share = p.gpuMs > 0 ? (100 * k.ms) / p.gpuMs : 0;
    console.log(`  ${k.kernel.padEnd(width)}  ${String(k.calls).padStart(5)}  ${k.ms.toFixed(3).padStart(8)}  ${share.toFixed(1).padStart(5)}`);
  }
  const rest = p.kernels.slice(rows);
  if (rest.length) {
    const ms = rest.reduce((s, k) => s + k.ms, 0);
    console.log(`  ${`(${rest.length} more kernels)`.padEnd(width)}  ${String(rest.reduce((s, k) => s + k.calls, 0)).padStart(5)}  ${ms.toFixed(3).padStart(8)}`);
  }
}

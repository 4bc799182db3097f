import { readdirSync, readFileSync } from 'node:fs';
import { runtime } from '../src/device/current.js';
import { gemmAutotuner } from '../src/kernels/gemm/gemm-autotune.js';
import type { Side } from './case.js';

export interface Timing {
  /** Median milliseconds per repetition. */
  ms: number;
  /** Median wall milliseconds per repetition (run, then wait for the GPU). */
  wallMs: number;
  /** Median GPU milliseconds from timestamp queries, when the adapter has them. */
  gpuMs: number | null;
}

export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
};

/** Times each repetition on its own: wall time from recording to the end of the GPU's work. */
export async function timeWall(side: Side, sync: () => Promise<void>, warmup: number, reps: number): Promise<{ wall: number[]; cpuMs: number | null }> {
  for (let i = 0; i < warmup; i++) {
    side.run();
    await sync();
  }
  const times: number[] = [];
  const c0 = workerCpuMs();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    side.run();
    await sync();
    times.push(performance.now() - t0);
  }
  const c1 = workerCpuMs();
  return { wall: times, cpuMs: c0 === null || c1 === null ? null : (c1 - c0) / reps };
}

const QUERY_RESOLVE = 0x0200;
const COPY_SRC = 0x0004;

/**
 * Times webgrad's repetitions both ways: a timestamp written before and after each one (in the same
 * command stream) and the wall time around it. Returns the GPU times, or null without timestamp-query.
 */
/** GPU buffers and textures created per timed repetition, and the buffers' bytes (a steady loop creates none). */
export interface Created {
  buffers: number;
  bytes: number;
  textures: number;
}

export async function timeWebgrad(
  side: Side,
  warmup: number,
  minReps: number,
): Promise<{ wall: number[]; gpu: number[] | null; cpuMs: number | null; created: Created }> {
  const rt = runtime();
  // Warm up until a repetition stops getting faster: the runtime's adaptive wait sleeps for about
  // as long as recent waits took, and after a long case that estimate takes a few dozen short
  // repetitions to come down.
  let warm = Infinity;
  for (let i = 0; i < 80; i++) {
    const t0 = performance.now();
    side.run();
    await rt.sync();
    const t = performance.now() - t0;
    // GEMM autotuning (GPUs) times its candidates on the first products: wait for its choices, so
    // that the timed repetitions run them.
    await gemmAutotuner()?.settled();
    const settled = t > 0.95 * warm;
    warm = Math.min(warm, t);
    if (i + 1 >= warmup && settled) break;
  }
  // Short cases repeat more, up to about 300 ms in all, so that CPU time (counted in 10 ms ticks) means something.
  const reps = Math.max(minReps, Math.min(60, Math.ceil(300 / warm)));
  const device = rt.gpu.device;
  const hasTimestamps = rt.gpu.features.has('timestamp-query');
  const querySet = hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 * reps }) : null;
  const wall: number[] = [];
  const made0 = { ...rt.created };
  const c0 = workerCpuMs();
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    if (querySet) rt.writeTimestamp(querySet, 2 * i);
    side.run();
    if (querySet) rt.writeTimestamp(querySet, 2 * i + 1);
    await rt.sync();
    wall.push(performance.now() - t0);
  }
  const c1 = workerCpuMs();
  const cpuMs = c0 === null || c1 === null ? null : (c1 - c0) / reps;
  const created: Created = {
    buffers: (rt.created.buffers - made0.buffers) / reps,
    bytes: (rt.created.bytes - made0.bytes) / reps,
    textures: (rt.created.textures - made0.textures) / reps,
  };
  if (!querySet) return { wall, gpu: null, cpuMs, created };
  const resolved = device.createBuffer({ size: 16 * reps, usage: QUERY_RESOLVE | COPY_SRC });
  rt.encode((encoder) => encoder.resolveQuerySet(querySet, 0, 2 * reps, resolved, 0));
  const stamps = new BigUint64Array(await rt.read(resolved, 16 * reps));
  resolved.destroy();
  querySet.destroy();
  const gpu: number[] = [];
  for (let i = 0; i < reps; i++) gpu.push(Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
  return { wall, gpu, cpuMs, created };
}

/**
 * Timestamps are trusted when they are positive and no longer than the wall time they sit inside,
 * yet not far below it (a CPU adapter that stamps at record or submit time gives near-zero spans).
 */
export function timestampsSane(wall: number[], gpu: number[] | null): boolean {
  if (!gpu) return false;
  const w = median(wall);
  const g = median(gpu);
  return gpu.every((t) => t > 0) && g <= w * 1.05 && g >= w * 0.5;
}

/**
 * CPU milliseconds used so far by every thread of this process but the main one (Linux /proc), or
 * null elsewhere. On a CPU adapter these threads run the kernels, so the CPU time a repetition costs
 * them is a measure of its work that other load on the machine barely disturbs, unlike wall time.
 * The main thread is left out: it only records commands and polls while it waits.
 */
export function workerCpuMs(): number | null {
  try {
    let ticks = 0;
    for (const t of readdirSync('/proc/self/task')) {
      if (t === String(process.pid)) continue;
      const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime and stime, in clock ticks (USER_HZ = 100)
    }
    return ticks * 10;
  } catch {
    return null;
  }
}

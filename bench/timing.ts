import { runtime } from '../src/device/current.js';
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
export async function timeWall(side: Side, sync: () => Promise<void>, warmup: number, reps: number): Promise<number[]> {
  for (let i = 0; i < warmup; i++) {
    side.run();
    await sync();
  }
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    side.run();
    await sync();
    times.push(performance.now() - t0);
  }
  return times;
}

const QUERY_RESOLVE = 0x0200;
const COPY_SRC = 0x0004;

/**
 * Times webgrad's repetitions both ways: a timestamp written before and after each one (in the same
 * command stream) and the wall time around it. Returns the GPU times, or null without timestamp-query.
 */
export async function timeWebgrad(side: Side, warmup: number, reps: number): Promise<{ wall: number[]; gpu: number[] | null }> {
  const rt = runtime();
  for (let i = 0; i < warmup; i++) {
    side.run();
    await rt.sync();
  }
  const device = rt.gpu.device;
  const hasTimestamps = rt.gpu.features.has('timestamp-query');
  const querySet = hasTimestamps ? device.createQuerySet({ type: 'timestamp', count: 2 * reps }) : null;
  const wall: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    if (querySet) rt.writeTimestamp(querySet, 2 * i);
    side.run();
    if (querySet) rt.writeTimestamp(querySet, 2 * i + 1);
    await rt.sync();
    wall.push(performance.now() - t0);
  }
  if (!querySet) return { wall, gpu: null };
  const resolved = device.createBuffer({ size: 16 * reps, usage: QUERY_RESOLVE | COPY_SRC });
  rt.encode((encoder) => encoder.resolveQuerySet(querySet, 0, 2 * reps, resolved, 0));
  const stamps = new BigUint64Array(await rt.read(resolved, 16 * reps));
  resolved.destroy();
  querySet.destroy();
  const gpu: number[] = [];
  for (let i = 0; i < reps; i++) gpu.push(Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
  return { wall, gpu };
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

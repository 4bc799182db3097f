// What a soak records of a long training run, and the checks made of it: step times compared from
// the first window of steps to the last, and the memory, pools and pipeline cache sampled every
// `every` steps, which must not change once the first steps are over.
import * as wg from '../../src/index.js';
import { runtime } from '../../src/device/current.js';

/** The counts a steady loop keeps flat: every field of one sample. */
export interface SoakSample {
  step: number;
  liveBuffers: number;
  liveBytes: number;
  freeBuffers: number;
  freeBytes: number;
  createdBuffers: number;
  liveTextures: number;
  freeTextures: number;
  createdTextures: number;
  pipelines: number;
}

export function sample(step: number): SoakSample {
  const m = wg.memory();
  return {
    step,
    liveBuffers: m.liveBuffers,
    liveBytes: m.liveBytes,
    freeBuffers: m.freeBuffers,
    freeBytes: m.freeBytes,
    createdBuffers: m.createdBuffers,
    liveTextures: m.textures.liveTextures,
    freeTextures: m.textures.freeTextures,
    createdTextures: m.textures.createdTextures,
    pipelines: runtime().counters.pipelinesCompiled,
  };
}

export interface SoakReport {
  name: string;
  steps: number;
  /** Steps in each window compared: min(1000, steps / 10). */
  window: number;
  firstMedianMs: number;
  lastMedianMs: number;
  /** lastMedianMs / firstMedianMs. */
  ratio: number;
  firstLoss: number;
  lastLoss: number;
  /** The sample after the warm-up steps, and the last one. */
  warm: SoakSample;
  last: SoakSample;
  /** Fields of a later sample that differ from the warm one: `field at step s: warm → now`. */
  changes: string[];
}

const median = (xs: ArrayLike<number>): number => {
  const s = Float64Array.from(xs).sort();
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/**
 * Runs `step` (one training step that reads its loss) `steps` times, timing each, sampling the
 * counts every `every` steps (and calling `progress` every 10 · every); the warm-up is the first window of steps (a second optimizer step
 * makes momenta, pools fill), after which no count may change.
 */
export async function soak(name: string, steps: number, step: () => Promise<number>, every = 100, progress?: (line: string) => void): Promise<SoakReport> {
  const window = Math.max(1, Math.min(1000, Math.floor(steps / 10)));
  const times = new Float64Array(steps);
  const samples: SoakSample[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  for (let s = 0; s < steps; s++) {
    const t0 = performance.now();
    const loss = await step();
    times[s] = performance.now() - t0;
    if (s === 0) firstLoss = loss;
    lastLoss = loss;
    if ((s + 1) % every === 0 || s + 1 === steps) samples.push(sample(s + 1));
    if (progress && (s + 1) % (10 * every) === 0) {
      const k = samples[samples.length - 1];
      progress(`${name}: step ${s + 1}, median of the last ${10 * every} ${median(times.subarray(s + 1 - 10 * every, s + 1)).toFixed(2)} ms, loss ${loss.toFixed(4)}, ` +
        `live ${k.liveBuffers} / ${k.liveBytes} B, pooled ${k.freeBuffers} / ${k.freeBytes} B, created ${k.createdBuffers} buffers, ${k.createdTextures} textures, ${k.pipelines} pipelines`);
    }
  }
  const warmIndex = samples.findIndex((x) => x.step >= window);
  const warm = samples[warmIndex];
  const changes: string[] = [];
  for (const x of samples.slice(warmIndex + 1)) {
    for (const key of Object.keys(x) as (keyof SoakSample)[]) {
      if (key !== 'step' && x[key] !== warm[key]) changes.push(`${key} at step ${x.step}: ${warm[key]} → ${x[key]}`);
    }
  }
  const firstMedianMs = median(times.subarray(0, window));
  const lastMedianMs = median(times.subarray(steps - window));
  return { name, steps, window, firstMedianMs, lastMedianMs, ratio: lastMedianMs / firstMedianMs, firstLoss, lastLoss, warm, last: samples[samples.length - 1], changes };
}

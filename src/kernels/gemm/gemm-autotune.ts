import { runtime } from '../../device/current.js';
import { WebgradError } from '../../device/errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { KernelProfiler } from '../../runtime/profiler.js';
import { defaultConfig, tuningCandidates, type GemmLimits, type GemmProblem, type GemmTuningTable } from './gemm-plan.js';

/**
 * Autotuning of gemm_workgroup.wgsl, as cuDNN's benchmark mode: the first product of a shape class
 * (gemm-plan.ts's `shapeClass`) runs in the default configuration and also runs every candidate
 * configuration (and gemm.wgsl) on the same operands into scratch outputs, timed on the GPU; once the timings are
 * back, later products of the class use the fastest. Tables are kept per adapter for the process,
 * and in a JSON file when asked.
 */

/**
 * Times candidates: calls `run(name)` `reps` times per candidate (each records one product in the
 * runtime's stream) and resolves to milliseconds per product, in the candidates' order. Tests inject
 * one that returns given timings.
 */
export type GemmTimer = (candidates: readonly string[], run: (config: string) => void, reps: number) => Promise<number[]>;

export interface GemmAutotuneOptions {
  /**
   * A JSON file of tuning tables by adapter ({ adapter: { shapeClass: configuration } }), read when
   * autotuning starts and rewritten after each tuning (Node only).
   */
  file?: string;
  /** How `file` is read and written: given by the Node entry's init(), as the browser has no files. */
  files?: TextFiles;
  /** How candidates are timed; default: GPU timestamps around each candidate's runs. */
  timer?: GemmTimer;
}

/** Reading (null where there is no such file) and atomically writing a text file. */
export interface TextFiles {
  read(path: string): Promise<string | null>;
  write(path: string, text: string): Promise<void>;
}

/** Every tuning table of this process, by adapter. */
const tables = new Map<string, Record<string, string>>();

/** What one tuning measured: ms per product of each candidate, and the winner. */
export interface GemmTuning {
  shapeClass: string;
  config: string;
  ms: Record<string, number>;
}

/** Aims for about this many flops of timed work per candidate (~1 ms at 5 TFLOP/s), in at most MAX_REPS products. */
const FLOPS_PER_CANDIDATE = 5e9;
const MAX_REPS = 32;

export class GemmAutotuner {
  private readonly started = new Set<string>();
  private readonly jobs: Promise<void>[] = [];
  /** Tunings done by this tuner, in order. */
  readonly tunings: GemmTuning[] = [];
  /** Tunings that failed (a timer error), by shape class. */
  readonly failures = new Map<string, string>();

  constructor(
    readonly adapter: string,
    private readonly timer: GemmTimer,
    private readonly file?: { path: string; files: TextFiles },
  ) {}

  table(): GemmTuningTable {
    return tables.get(this.adapter) ?? {};
  }

  /**
   * Times every candidate that runs on the adapter for a problem of class `shapeClass`, unless that
   * class is being tuned or was. `run` records the product in a given configuration.
   */
  tune(shapeClass: string, p: GemmProblem, limits: GemmLimits, run: (config: string) => void): void {
    if (this.started.has(shapeClass)) return;
    this.started.add(shapeClass);
    // The default first: it wins ties, such as timings of tiny products that the timestamps' rounding
    // (65.5 µs unless Dawn's timestamp_quantization is off) makes equal.
    const first = defaultConfig(p, limits).name;
    const candidates = [first, ...tuningCandidates(limits).filter((c) => c !== first)];
    const flops = 2 * p.M * p.N * p.K * Math.max(p.batchA, p.batchB);
    const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil(FLOPS_PER_CANDIDATE / Math.max(1, flops))));
    let timing: Promise<number[]>;
    try {
      timing = this.timer(candidates, run, reps);
    } catch (error) {
      timing = Promise.reject(error);
    }
    const job = timing.then(
      (ms) => {
        const best = bestOf(candidates, ms);
        const table = { ...this.table(), [shapeClass]: best };
        tables.set(this.adapter, table);
        this.tunings.push({ shapeClass, config: best, ms: Object.fromEntries(candidates.map((c, i) => [c, ms[i]])) });
        // A file that cannot be written loses nothing but persistence: the table stays in memory.
        return this.save().catch((error: unknown) => {
          this.failures.set(shapeClass, `tuned, but not saved: ${error instanceof Error ? error.message : String(error)}`);
        });
      },
      (error: unknown) => {
        this.failures.set(shapeClass, error instanceof Error ? error.message : String(error));
      },
    );
    this.jobs.push(job);
  }

  /** Resolves once every tuning started so far has its timings (and the file is written). */
  async settled(): Promise<void> {
    await Promise.all(this.jobs);
  }

  private async save(): Promise<void> {
    if (!this.file) return;
    const { path, files } = this.file;
    const all = await readTables(path, files);
    all[this.adapter] = { ...all[this.adapter], ...this.table() };
    await files.write(path, `${JSON.stringify(all, null, 2)}\n`);
  }
}

/** The candidate with the least time (the first of equals); timings that are not finite lose. */
export function bestOf(candidates: readonly string[], ms: readonly number[]): string {
  if (ms.length !== candidates.length) throw new WebgradError(`webgrad: gemm autotune: ${ms.length} timings for ${candidates.length} candidates`);
  let best = -1;
  ms.forEach((t, i) => {
    if (Number.isFinite(t) && t >= 0 && (best < 0 || t < ms[best])) best = i;
  });
  if (best < 0) throw new WebgradError('webgrad: gemm autotune: no candidate has a valid timing');
  return candidates[best];
}

async function readTables(file: string, files: TextFiles): Promise<Record<string, Record<string, string>>> {
  try {
    const text = await files.read(file);
    const parsed: unknown = text === null ? {} : JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, Record<string, string>>) : {};
  } catch (error) {
    throw new WebgradError(`webgrad: gemm autotune: cannot read tuning file ${file}: ${(error as Error).message}`);
  }
}

/**
 * The default timer: a GPU timestamp before and after each candidate's runs (one untimed run first,
 * so that each is timed warm). Needs the timestamp-query feature.
 */
export const timestampTimer: GemmTimer = async (candidates, run, reps) => {
  const rt = runtime();
  if (!rt.gpu.features.has('timestamp-query')) throw new WebgradError('webgrad: gemm autotune: the adapter has no timestamp-query feature');
  const profiler = new KernelProfiler(rt.gpu.device);
  for (const c of candidates) {
    run(c);
    const { querySet, index } = profiler.slot(c);
    rt.writeTimestamp(querySet, index);
    for (let r = 0; r < reps; r++) run(c);
    rt.writeTimestamp(querySet, index + 1);
  }
  const totals = await profiler.collect((f) => rt.encode(f), (b, n) => rt.read(b, n));
  return candidates.map((c) => (totals.get(c)?.ms ?? Number.NaN) / reps);
};

const tuners = new WeakMap<Runtime, GemmAutotuner>();

/** The adapter's key in tuning tables. */
export function adapterKey(rt: Runtime = runtime()): string {
  const i = rt.gpu.info;
  return [i.vendor, i.architecture, i.device, i.description].filter((s) => s).join(' | ') || 'unknown adapter';
}

/**
 * Starts autotuning on the current runtime (init's `autotune` option calls it; tests call it with a
 * timer of their own), or stops it (`false`). A file's tables for this adapter are loaded into the
 * process's.
 */
export async function configureGemmAutotune(options: GemmAutotuneOptions | false): Promise<GemmAutotuner | null> {
  const rt = runtime();
  if (options === false) {
    tuners.delete(rt);
    return null;
  }
  const key = adapterKey(rt);
  let file: { path: string; files: TextFiles } | undefined;
  if (options.file !== undefined) {
    if (!options.files) {
      throw new WebgradError(`webgrad: init: autotune.file (${JSON.stringify(options.file)}) needs files, which only the Node entry's init() has`);
    }
    file = { path: options.file, files: options.files };
    const fromFile = (await readTables(file.path, file.files))[key];
    if (fromFile) tables.set(key, { ...fromFile, ...tables.get(key) });
  }
  const tuner = new GemmAutotuner(key, options.timer ?? timestampTimer, file);
  tuners.set(rt, tuner);
  return tuner;
}

/** The current runtime's autotuner, or null where autotuning is off (the policy's `autotune`, or no tuner started). */
export function gemmAutotuner(): GemmAutotuner | null {
  const rt = runtime();
  return rt.policy.autotune ? tuners.get(rt) ?? null : null;
}

/** Forgets this process's tuning table for the current adapter (tests). */
export function clearGemmTuningTable(): void {
  tables.delete(adapterKey());
}

import { runtime } from '../../device/current.js';
import { WebgradError } from '../../errors.js';
import type { Runtime } from '../../runtime/runtime.js';
import { KernelProfiler } from '../../runtime/profiler.js';
import type { Tensor } from '../../tensor/tensor.js';
import { kernelSource } from '../../runtime/sources.js';
import { GEMM_CONFIGS, REGISTER_KERNEL, defaultConfig, tuningCandidates, type GemmLimits, type GemmProblem, type GemmTuningTable } from './gemm-plan.js';

/**
 * Autotuning of gemm_workgroup.wgsl, as cuDNN's benchmark mode: the first product of a shape class
 * (gemm-plan.ts's `shapeClass`) runs in the default configuration and also runs every candidate
 * configuration (and gemm.wgsl) on the same operands into scratch outputs, timed on the GPU; once the timings are
 * back, later products of the class use the fastest of those whose output agrees with the default's
 * (a candidate that computes wrong on this adapter is never chosen). Tables are kept per adapter for
 * the process, and in a JSON file (the Node entry's default: a cache folder, node.ts), each under
 * its adapter and driver and the version of the GEMM kernels it was tuned with: a file that cannot
 * be read, or tables of other kernels, are ignored with a warning, and names that are no
 * configuration are dropped, so that a cache never runs a wrong kernel. conv2d's implicit GEMMs are
 * tuned the same way, in the same table, under classes of their own (conv-implicit-plan.ts's
 * `convShapeClass`).
 */

/**
 * Times candidates: calls `run(name)` `reps` times per candidate (each records one product in the
 * runtime's stream) and resolves to milliseconds per product, in the candidates' order. Tests inject
 * one that returns given timings.
 */
export type GemmTimer = (candidates: readonly string[], run: (config: string) => void, reps: number) => Promise<number[]>;

/** Records the tuned product in a configuration into a new tensor, which the caller disposes. */
export type GemmCompute = (config: string) => Tensor;

/**
 * Checks candidates: records each one's product (`compute`) before it returns, as the operands may
 * be gone once it awaits, and resolves to the largest difference of each output from the first
 * candidate's (the default configuration), relative to the first's largest magnitude (0 for the
 * first itself; Infinity where one is not finite and the other is). Tests inject one.
 */
export type GemmChecker = (candidates: readonly string[], compute: GemmCompute) => Promise<number[]>;

export interface GemmAutotuneOptions {
  /**
   * A JSON file of tuning tables by adapter (TuningFile), read when autotuning starts and rewritten
   * after each tuning (Node only). The Node entry's init() defaults it to
   * `$XDG_CACHE_HOME/webgrad/gemm-tuning.json` (`~/.cache/webgrad/…`); null keeps no file.
   */
  file?: string | null;
  /** How `file` is read and written: given by the Node entry's init(), as the browser has no files. */
  files?: TextFiles;
  /** How candidates are timed; default: GPU timestamps around each candidate's runs. */
  timer?: GemmTimer;
  /** How candidates' outputs are compared with the default's; default: `sampleChecker`. */
  checker?: GemmChecker;
}

/** Reading (null where there is no such file) and atomically writing a text file. */
export interface TextFiles {
  read(path: string): Promise<string | null>;
  write(path: string, text: string): Promise<void>;
}

/** What a tuning file holds: each adapter's table and the GEMM kernels' version it was tuned with. */
export interface TuningFile {
  format: typeof TUNING_FORMAT;
  tables: Record<string, { kernels: string; table: Record<string, string> }>;
}

export const TUNING_FORMAT = 'webgrad-gemm-tuning/1';

/** The files whose text decides what a configuration runs (GEMM and implicit-conv candidates share the table): a table tuned with other texts is stale. */
const TUNED_KERNEL_FILES = ['gemm_common', 'gemm_operands', 'gemm', 'gemm_workgroup', 'grid', 'conv_implicit', 'conv_implicit_operands'] as const;

/** A hash (FNV-1a, 32 bits, hex) of the GEMM kernels' WGSL: the version a table was tuned with. */
export function gemmKernelsVersion(): string {
  const text = kernelSource(TUNED_KERNEL_FILES);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, '0');
}

/** Every tuning table of this process, by adapter. */
const tables = new Map<string, Record<string, string>>();

/** What one tuning measured: ms per product of each candidate, and the winner. */
export interface GemmTuning {
  shapeClass: string;
  config: string;
  ms: Record<string, number>;
  /** Each candidate's relative difference from the default configuration's output (GemmChecker). */
  differences: Record<string, number>;
}

/**
 * The largest relative difference from the default configuration's output that a candidate may
 * have: float32 products summed in another order differ by rounding that grows with k (about
 * √k·2⁻²⁴ of the largest magnitude in practice, k·2⁻²⁴ at worst); this allows 8·k·2⁻²⁴, at least
 * 1e-5. A kernel that drops or repeats a tile, reads stale workgroup memory or leaves elements
 * unwritten is off by far more.
 */
export function gemmTolerance(K: number): number {
  return Math.max(1e-5, (8 * K) / 2 ** 24);
}

/** Aims for about this many flops of timed work per candidate (~1 ms at 5 TFLOP/s), in at most MAX_REPS products. */
const FLOPS_PER_CANDIDATE = 5e9;
const MAX_REPS = 32;

export class GemmAutotuner {
  private readonly started = new Set<string>();
  private readonly jobs: Promise<void>[] = [];
  /** Tunings done by this tuner, in order. */
  readonly tunings: GemmTuning[] = [];
  /** Tunings that failed (a timer or checker error), by shape class. */
  readonly failures = new Map<string, string>();
  /**
   * Candidates excluded because their output differed from the default configuration's beyond
   * gemmTolerance, by shape class: configuration → relative difference. Any entry is a kernel that
   * computes wrong on this adapter (a bug to report with the adapter's name).
   */
  readonly wrong = new Map<string, Record<string, number>>();

  constructor(
    readonly adapter: string,
    private readonly timer: GemmTimer,
    private readonly file?: { path: string; files: TextFiles },
    private readonly checker: GemmChecker = sampleChecker,
  ) {}

  table(): GemmTuningTable {
    return tables.get(this.adapter) ?? {};
  }

  /**
   * Times and checks every candidate that runs on the adapter for a problem of class `shapeClass`,
   * unless that class is being tuned or was. `compute` records the product in a given configuration.
   */
  tune(shapeClass: string, p: GemmProblem, limits: GemmLimits, compute: GemmCompute): void {
    // The default first: it wins ties, such as timings of tiny products that the timestamps' rounding
    // (65.5 µs unless Dawn's timestamp_quantization is off) makes equal.
    const first = defaultConfig(p, limits).name;
    const candidates = [first, ...tuningCandidates(limits).filter((c) => c !== first)];
    this.tuneAmong(shapeClass, candidates, 2 * p.M * p.N * p.K * Math.max(p.batchA, p.batchB), p.K, compute);
  }

  /**
   * Times and checks `candidates` (the default first) for class `shapeClass`, unless that class is
   * being tuned or was: a product of `flops` summed over `K` (the check's tolerance), which
   * `compute` records in a given candidate. The GEMM's classes come through `tune`; conv2d's
   * implicit-GEMM classes (conv-implicit.ts) name their candidates themselves.
   */
  tuneAmong(shapeClass: string, candidates: readonly string[], flops: number, K: number, compute: GemmCompute): void {
    if (this.started.has(shapeClass)) return;
    this.started.add(shapeClass);
    const first = candidates[0];
    const reps = Math.max(1, Math.min(MAX_REPS, Math.ceil(FLOPS_PER_CANDIDATE / Math.max(1, flops))));
    const started = (f: () => Promise<number[]>): Promise<number[]> => {
      try {
        return f();
      } catch (error) {
        return Promise.reject(error);
      }
    };
    // Both record their work now, while the operands are alive; the timer's first.
    const timing = started(() => this.timer(candidates, (c) => compute(c).dispose(), reps));
    const checking = started(() => this.checker(candidates, compute));
    const job = Promise.all([timing, checking]).then(
      ([ms, differences]) => {
        const tolerance = gemmTolerance(K);
        const wrong = candidates.flatMap((c, i) => (differences[i] <= tolerance ? [] : [[c, differences[i]] as const]));
        if (wrong.length > 0) this.wrong.set(shapeClass, Object.fromEntries(wrong));
        // Every other candidate disagreeing with the default casts doubt on the default itself.
        if (candidates.length > 2 && wrong.length === candidates.length - 1) {
          this.failures.set(shapeClass, `every candidate's output differs from the default configuration's (${first}): the default may be the wrong one`);
        }
        // A wrong candidate's time is not a time: bestOf passes over it.
        const best = bestOf(candidates, ms.map((t, i) => (differences[i] <= tolerance ? t : Number.NaN)));
        const table = { ...this.table(), [shapeClass]: best };
        tables.set(this.adapter, table);
        const byName = (v: readonly number[]) => Object.fromEntries(candidates.map((c, i) => [c, v[i]]));
        this.tunings.push({ shapeClass, config: best, ms: byName(ms), differences: byName(differences) });
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
    const kernels = gemmKernelsVersion();
    const tables = await readTuningFile(path, files, () => undefined);
    const kept = tables[this.adapter]?.kernels === kernels ? validTable(tables[this.adapter].table, () => undefined) : {};
    tables[this.adapter] = { kernels, table: { ...kept, ...this.table() } };
    const file: TuningFile = { format: TUNING_FORMAT, tables };
    await files.write(path, `${JSON.stringify(file, null, 2)}\n`);
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

/**
 * The tables of a tuning file, or none (after a warning) where it cannot be read or is not one: a
 * cache that is lost costs only the tunings again.
 */
async function readTuningFile(file: string, files: TextFiles, warn: (message: string) => void): Promise<TuningFile['tables']> {
  let text: string | null;
  try {
    text = await files.read(file);
  } catch (error) {
    warn(`webgrad: gemm autotune: ignoring the tuning file ${file}: ${(error as Error).message}`);
    return {};
  }
  if (text === null) return {};
  try {
    const parsed = JSON.parse(text) as Partial<TuningFile> | null;
    if (parsed?.format !== TUNING_FORMAT || !parsed.tables || typeof parsed.tables !== 'object') throw new Error(`not a ${TUNING_FORMAT} file`);
    return Object.fromEntries(
      Object.entries(parsed.tables).filter(([, e]) => e && typeof e === 'object' && typeof e.kernels === 'string' && e.table && typeof e.table === 'object'),
    );
  } catch (error) {
    warn(`webgrad: gemm autotune: ignoring the tuning file ${file}, which is corrupt (${(error as Error).message}); it is rewritten after the next tuning`);
    return {};
  }
}

/** A table's entries that name a configuration (or gemm.wgsl); any other is dropped with a warning. */
function validTable(table: Record<string, unknown>, warn: (message: string) => void): Record<string, string> {
  const names = new Set([...GEMM_CONFIGS.map((c) => c.name), REGISTER_KERNEL]);
  const valid = Object.entries(table).filter((e): e is [string, string] => typeof e[1] === 'string' && names.has(e[1]));
  const dropped = Object.keys(table).length - valid.length;
  if (dropped > 0) warn(`webgrad: gemm autotune: dropped ${dropped} entries of the tuning file that name no GEMM configuration`);
  return Object.fromEntries(valid);
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

const COPY_SRC = 0x0004;
const COPY_DST = 0x0008;

/** Elements compared at each end of an output (all of a smaller one): 2 × 256 KiB read back per candidate at most. */
export const CHECK_WINDOW = 65536;

/**
 * The default checker: copies each candidate's output, or of a larger one its first and last
 * CHECK_WINDOW elements (the first rows and the last, where tiles meet the matrix's edges), into one
 * buffer, read back once, and compares them with the first candidate's on the CPU. The readback is
 * bounded (2·CHECK_WINDOW floats per candidate) and happens once per shape class.
 */
export const sampleChecker: GemmChecker = async (candidates, compute) => {
  const rt = runtime();
  let sample = 0;
  let buffer: GPUBuffer | null = null;
  try {
    for (const [i, c] of candidates.entries()) {
      const out = compute(c);
      try {
        if (!buffer) {
          sample = Math.min(out.size, 2 * CHECK_WINDOW);
          buffer = rt.createBuffer({ size: Math.max(4, candidates.length * sample * 4), usage: COPY_SRC | COPY_DST });
        }
        const at = i * sample * 4;
        if (sample === out.size) rt.copy(out.buffer, 0, buffer, at, sample * 4);
        else {
          rt.copy(out.buffer, 0, buffer, at, CHECK_WINDOW * 4);
          rt.copy(out.buffer, (out.size - CHECK_WINDOW) * 4, buffer, at + CHECK_WINDOW * 4, CHECK_WINDOW * 4);
        }
      } finally {
        out.dispose();
      }
    }
    if (!buffer) return [];
    const all = new Float32Array(await rt.read(buffer, candidates.length * sample * 4));
    const reference = all.subarray(0, sample);
    return candidates.map((_, i) => relativeDifference(all.subarray(i * sample, (i + 1) * sample), reference));
  } finally {
    buffer?.destroy();
  }
};

/**
 * The largest |a − b| relative to b's largest finite magnitude; Infinity where b is finite and a is
 * not, or where b is not finite and a differs (both NaN, or the same infinity, agree).
 */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  for (let i = 0; i < b.length; i++) if (Number.isFinite(b[i])) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (Number.isFinite(y)) {
      const d = Math.abs(x - y);
      if (!(d <= worst)) worst = Number.isNaN(d) ? Infinity : d;
    } else if (!(x === y || (Number.isNaN(x) && Number.isNaN(y)))) {
      return Infinity;
    }
  }
  // Against an all-zero output (all finite), any other value is wrong.
  return worst === 0 ? 0 : scale === 0 ? Infinity : worst / scale;
}

const tuners = new WeakMap<Runtime, GemmAutotuner>();

/** The adapter's key in tuning tables: its vendor, architecture, device and description (which names the driver). */
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
  if (options.file !== undefined && options.file !== null) {
    if (!options.files) {
      throw new WebgradError(`webgrad: init: autotune.file (${JSON.stringify(options.file)}) needs files, which only the Node entry's init() has`);
    }
    file = { path: options.file, files: options.files };
    const warn = (message: string) => console.warn(message);
    const entry = (await readTuningFile(file.path, file.files, warn))[key];
    if (entry && entry.kernels !== gemmKernelsVersion()) {
      warn(`webgrad: gemm autotune: ignoring this adapter's table in ${file.path}: it was tuned with other GEMM kernels (version ${entry.kernels}, now ${gemmKernelsVersion()})`);
    } else if (entry) {
      tables.set(key, { ...validTable(entry.table, warn), ...tables.get(key) });
    }
  }
  const tuner = new GemmAutotuner(key, options.timer ?? timestampTimer, file, options.checker ?? sampleChecker);
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

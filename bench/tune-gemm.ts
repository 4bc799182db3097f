// Times every candidate configuration of gemm_workgroup.wgsl (and gemm.wgsl, the register kernel, for
// comparison) on 4096³ and on every GEMM of AlexNet: the FC layers at batch 32 and the convolutions'
// im2col products at batch 128 (forward, weight and input gradients), as `linear` and conv.ts run
// them. Each candidate is run once untimed, then `--reps` times between GPU timestamps (the
// autotuner's timer) where the adapter has timestamp queries, else by wall time around a sync.
//   npx tsx bench/tune-gemm.ts [--quick] [--reps N] [--filter REGEX] [--json FILE]
// Each candidate's output is also checked against a reference: a float64 product on the CPU for
// shapes of up to CPU_REFERENCE_MACS multiply-adds, else gemm.wgsl's output on the GPU (the simplest
// kernel, no workgroup memory). A candidate off by more than gemmTolerance(K) is WRONG: printed so,
// kept in the JSON, and never the best.
// Then the same for conv_implicit.wgsl's candidates on AlexNet's convolutions (bench/tune-conv.ts:
// cases named 'implicit convN forward|dx|dW', checked against the im2col form).
// --quick: two small shapes only (a smoke run on lavapipe), and one small convolution. Prints one
// line per shape; --json writes every timing and difference, rewritten after each shape so that a
// run cut short keeps what it measured. Ends with the pipelines compiled and the milliseconds spent.
import { writeFileSync } from 'node:fs';
import { adapterInfo, init, release, tensor } from '../src/node.js';
import { runtime } from '../src/device/current.js';
import { gemmKernel, gemmLimits } from '../src/kernels/gemm/gemm.js';
import { defaultConfig, tuningCandidates, type GemmProblem } from '../src/kernels/gemm/gemm-plan.js';
import { gemmTolerance, relativeDifference, timestampTimer } from '../src/kernels/gemm/gemm-autotune.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { values } from './cases/gemm.js';
import { tuneConv } from './tune-conv.js';

interface Shape {
  name: string;
  M: number;
  N: number;
  K: number;
  transA: boolean;
  transB: boolean;
}

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const quick = args.includes('--quick');
const reps = Number(flag('--reps') ?? (quick ? 1 : 3));
const filter = new RegExp(flag('--filter') ?? '.');
const jsonFile = flag('--json');

const shape = (name: string, M: number, N: number, K: number, transA = false, transB = false): Shape => ({ name, M, N, K, transA, transB });

function alexnetShapes(): Shape[] {
  const list: Shape[] = [shape('square 4096', 4096, 4096, 4096)];
  for (const [layer, o, i] of [['fc6', 4096, 9216], ['fc7', 4096, 4096], ['fc8', 10, 4096]] as const) {
    list.push(shape(`${layer} forward x·Wᵀ`, 32, o, i, false, true), shape(`${layer} dx = g·W`, 32, i, o), shape(`${layer} dW = gᵀ·x`, o, i, 32, true, false));
  }
  const convs = [
    ['conv1', 3, 96, 11, 55],
    ['conv2', 96, 256, 5, 27],
    ['conv3', 256, 384, 3, 13],
    ['conv4', 384, 384, 3, 13],
    ['conv5', 384, 256, 3, 13],
  ] as const;
  const nb = 128;
  for (const [layer, cin, cout, k, out] of convs) {
    const ckk = cin * k * k;
    const wide = nb * out * out;
    list.push(
      shape(`${layer} forward W·cols`, cout, wide, ckk),
      shape(`${layer} dW = g·colsᵀ`, cout, ckk, wide, false, true),
      shape(`${layer} dcols = Wᵀ·g`, ckk, wide, cout, true, false),
    );
  }
  return list;
}

const shapes = (quick ? [shape('quick 96x80x72', 96, 80, 72), shape('quick fc 8x64x512 ·ᵀ', 8, 64, 512, false, true)] : alexnetShapes()).filter((s) => filter.test(s.name));

const info = await init({ autotune: false });
const rt = runtime();
const useTimestamps = rt.gpu.features.has('timestamp-query') && !info.software;
const limits = { ...gemmLimits(), variant: 'workgroup' as const };
const candidates = tuningCandidates(limits);
console.log(`adapter: ${info.description || info.vendor} (${useTimestamps ? 'GPU timestamps' : 'wall time'}); ${reps} timed run(s) per candidate`);

async function timeAll(run: (c: string) => void, names: readonly string[] = candidates): Promise<number[]> {
  if (useTimestamps) return timestampTimer(names, run, reps);
  const ms: number[] = [];
  for (const c of names) {
    run(c);
    await rt.sync();
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) run(c);
    await rt.sync();
    ms.push((performance.now() - t0) / reps);
  }
  return ms;
}

/** Products up to this many multiply-adds are checked against float64 on the CPU (about a second in JS). */
const CPU_REFERENCE_MACS = 2 ** 26;
/** Elements read back per window: a larger output is checked on its first, middle and last 2^19 (6 MiB). */
const WINDOW = 2 ** 19;

/** The element ranges of an output of `size` elements that are checked: all of it, or three windows. */
function windows(size: number): [number, number][] {
  if (size <= 3 * WINDOW) return [[0, size]];
  const mid = Math.floor((size - WINDOW) / 2);
  return [[0, WINDOW], [mid, mid + WINDOW], [size - WINDOW, size]];
}

/** The checked elements of a GPU output. */
async function readChecked(t: Tensor): Promise<Float32Array> {
  const parts = await Promise.all(windows(t.size).map(([from, to]) => rt.read(t.buffer, (to - from) * 4, from * 4)));
  const out = new Float32Array(parts.reduce((n, p) => n + p.byteLength / 4, 0));
  let at = 0;
  for (const p of parts) {
    out.set(new Float32Array(p), at);
    at += p.byteLength / 4;
  }
  return out;
}

/** op(A)·op(B) in float64, at the checked elements, from the operands as stored. */
function cpuProduct(s: Shape, a: Float32Array, b: Float32Array): Float64Array {
  const { M, N, K } = s;
  const out: number[] = [];
  for (const [from, to] of windows(M * N)) {
    for (let i = from; i < to; i++) {
      const m = Math.floor(i / N);
      const n = i % N;
      let sum = 0;
      for (let k = 0; k < K; k++) sum += (s.transA ? a[k * M + m] : a[m * K + k]) * (s.transB ? b[n * K + k] : b[k * N + n]);
      out.push(sum);
    }
  }
  return Float64Array.from(out);
}

// One array of inputs, generated once, that every operand is a prefix of (conv2's columns are 224
// million floats: generating each operand afresh would take longer than timing it).
const inputs = values(Math.max(0, ...shapes.map((s) => Math.max(s.M, s.N) * s.K)), 1);
const results: unknown[] = [];
const conv: unknown[] = [];
/** Writes everything measured so far to --json's file. */
function save(): void {
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify({ adapter: adapterInfo(), timing: useTimestamps ? 'gpu timestamps' : 'wall', reps, results, conv }, null, 2)}\n`);
}
for (const s of shapes) {
  const dataA = inputs.subarray(0, s.M * s.K);
  const dataB = inputs.subarray(0, s.K * s.N);
  const a = tensor(dataA, s.transA ? [s.K, s.M] : [s.M, s.K]);
  const b = tensor(dataB, s.transB ? [s.N, s.K] : [s.K, s.N]);
  const product = (c: string) => gemmKernel(a, b, { transA: s.transA, transB: s.transB, config: c });
  const ms = await timeAll((c) => product(c).dispose());
  // Each candidate's output against the reference, one at a time (an output can be hundreds of MB).
  const onCpu = s.M * s.N * s.K <= CPU_REFERENCE_MACS;
  const checked = async (c: string) => {
    const out = product(c);
    try {
      return await readChecked(out);
    } finally {
      out.dispose();
    }
  };
  const reference = onCpu ? cpuProduct(s, dataA, dataB) : await checked('registers');
  const differences: number[] = [];
  for (const c of candidates) differences.push(relativeDifference(await checked(c), reference));
  a.dispose();
  b.dispose();
  const tolerance = gemmTolerance(s.K);
  const flops = 2 * s.M * s.N * s.K;
  const problem: GemmProblem = { M: s.M, N: s.N, K: s.K, batchA: 1, batchB: 1, transA: s.transA, transB: s.transB };
  const byName = Object.fromEntries(
    candidates.map((c, i) => [c, { ms: ms[i], gflops: flops / ms[i] / 1e6, difference: differences[i], ok: differences[i] <= tolerance }]),
  );
  // The fastest of the candidates that compute right (none: null).
  const best = candidates.filter((c) => byName[c].ok).reduce<string | null>((x, y) => (x === null || byName[y].ms < byName[x].ms ? y : x), null);
  const fallback = defaultConfig(problem, limits).name;
  const wrong = candidates.filter((c) => !byName[c].ok);
  results.push({ ...s, flops, best, default: fallback, reference: onCpu ? 'float64' : 'registers', tolerance, wrong, candidates: byName });
  save();
  const cells = candidates.map((c) => {
    const r = byName[c];
    return `${c} ${r.ms.toFixed(3)}ms ${r.gflops.toPrecision(3)} GFLOP/s${r.ok ? '' : ` WRONG (difference ${r.difference.toPrecision(2)})`}`;
  });
  const checkedBy = `checked against ${onCpu ? 'float64' : 'gemm.wgsl'}, tolerance ${tolerance.toPrecision(2)}${wrong.length ? `, ${wrong.length} WRONG` : ''}`;
  console.log(`${s.name} (${s.M}x${s.N}x${s.K}): best ${best ?? 'none (every candidate WRONG)'}, default ${fallback}, ${checkedBy} | ${cells.join(' | ')}`);
}
await tuneConv({ quick, filter, time: (names, run) => timeAll(run, names), readChecked, onResult: (r) => (conv.push(r), save()) });
const { pipelinesCompiled, compileMs } = runtime().counters;
console.log(`pipelines: ${pipelinesCompiled} compiled (${compileMs.toFixed(0)} ms)`);
if (jsonFile) {
  save();
  console.log(`wrote ${jsonFile}`);
}
await release();
process.exit(0);

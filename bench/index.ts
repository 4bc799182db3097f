// The benchmark: every case in bench/cases/*.ts on webgrad and on tfjs-webgpu (same Dawn adapter),
// checked against each other, timed, and printed as a table (and written as JSON with --json).
//   npm run bench -- [--filter REGEX] [--quick] [--large] [--reps N] [--wait adaptive|spin]
//                    [--gemm registers|workgroup|texture] [--no-tfjs] [--require-gpu] [--profile] [--json FILE]
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { init, release } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import type { GemmVariant, WaitMode } from '../src/kernels/runtime.js';
import type { BenchCase, Side } from './case.js';
import { startTfjs, type TfjsPeer } from './tfjs.js';
import { median, timeWall, timeWebgrad, timestampsSane, type Created } from './timing.js';
import { printProfile, profileCase } from './profile.js';
import type { KernelProfile } from '../src/index.js';
import { cases as alexnetCases } from './cases/alexnet.js';
import { cases as gemmCases } from './cases/gemm.js';
import { cases as trainingCases } from './cases/training.js';

// A static list (not a directory scan) so that the bench bundles into one file for GPU machines.
const ALL_CASES: BenchCase[] = [...gemmCases, ...alexnetCases, ...trainingCases];

interface Options {
  filter: RegExp | null;
  quick: boolean;
  reps: number;
  wait: WaitMode;
  json: string | null;
  large: boolean;
  gemm: GemmVariant | undefined;
  tfjs: boolean;
  requireGpu: boolean;
  profile: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    filter: null, quick: false, reps: 0, wait: 'adaptive', json: null, large: false, gemm: undefined, tfjs: true, requireGpu: false, profile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--filter') o.filter = new RegExp(value(), 'i');
    else if (arg === '--quick') o.quick = true;
    else if (arg === '--reps') o.reps = Number.parseInt(value(), 10);
    else if (arg === '--json') o.json = value();
    else if (arg === '--large') o.large = true;
    else if (arg === '--no-tfjs') o.tfjs = false;
    else if (arg === '--require-gpu') o.requireGpu = true;
    else if (arg === '--profile') o.profile = true;
    else if (arg === '--gemm') {
      const g = value();
      if (g !== 'registers' && g !== 'workgroup' && g !== 'texture') throw new Error(`--gemm takes registers, workgroup or texture, got ${g}`);
      o.gemm = g;
    }
    else if (arg === '--wait') {
      const w = value();
      if (w !== 'adaptive' && w !== 'spin') throw new Error(`--wait takes adaptive or spin, got ${w}`);
      o.wait = w;
    } else throw new Error(`unknown argument ${arg}`);
  }
  if (!o.reps) o.reps = o.quick ? 5 : 7;
  if (!(o.reps >= 1)) throw new Error('--reps needs a positive integer');
  return o;
}

/** max |a − b| / max |b|: a relative error that does not blow up on elements near zero. */
function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let err = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    err = Number.isNaN(d) ? Infinity : Math.max(err, d);
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? err : err / scale;
}

interface Measured {
  ms: number;
  /** CPU ms per repetition of the threads that run the kernels (a CPU adapter's), when measurable. */
  cpuMs: number | null;
  /** GFLOP per CPU-second of those threads. */
  cpuGflops: number | null;
  gflops: number | null;
  gbps: number | null;
}

interface Row {
  name: string;
  shape: string;
  webgrad: Measured & { wallMs: number; gpuMs: number | null; created: Created };
  tfjs: Measured | null;
  tfjsError?: string;
  ratio: number | null;
  /** tfjs CPU ms / webgrad CPU ms. */
  cpuRatio: number | null;
  profile?: KernelProfile;
}

function rates(c: BenchCase, ms: number, cpuMs: number | null): Measured {
  return {
    ms,
    cpuMs,
    cpuGflops: c.flops && cpuMs ? c.flops / cpuMs / 1e6 : null,
    gflops: c.flops ? c.flops / ms / 1e6 : null,
    gbps: c.bytes ? c.bytes / ms / 1e6 : null,
  };
}

async function benchCase(c: BenchCase, o: Options, peer: TfjsPeer | null): Promise<Row> {
  const warmup = 1;
  const ours: Side = await c.webgrad();
  const { wall, gpu, cpuMs, created } = await timeWebgrad(ours, warmup, o.reps);
  // Timestamps are reported beside the wall time when they are believable; the wall time is what
  // both sides are compared on, as tfjs can only be timed that way here.
  const gpuMs = timestampsSane(wall, gpu) ? median(gpu!) : null;
  const row: Row = {
    name: `${c.group}/${c.name}`,
    shape: c.shape,
    webgrad: { ...rates(c, median(wall), cpuMs), wallMs: median(wall), gpuMs, created },
    tfjs: null,
    ratio: null,
    cpuRatio: null,
  };
  if (!c.tfjs || !peer) {
    ours.dispose();
    row.tfjsError = !c.tfjs ? 'no such op' : o.tfjs ? 'tfjs unavailable' : 'not run (--no-tfjs)';
    return row;
  }
  let theirs: Side | null = null;
  try {
    theirs = await c.tfjs(peer.tf);
    // Check first, so that a side that computes nothing (tfjs past the binding limit) is not timed.
    theirs.run();
    await peer.sync();
    const err = relativeError(await theirs.result(), await ours.result());
    const rtol = c.rtol ?? 1e-3;
    if (!(err <= rtol)) throw new Error(`result differs from webgrad's (relative error ${err.toExponential(2)} > ${rtol})`);
    const t = await timeWall(theirs, () => peer.sync(), 0, wall.length);
    row.tfjs = rates(c, median(t.wall), t.cpuMs);
    // Both sides timed the same ways, so each ratio compares like with like.
    row.ratio = median(t.wall) / median(wall);
    row.cpuRatio = t.cpuMs && cpuMs ? t.cpuMs / cpuMs : null;
  } catch (error) {
    row.tfjsError = (error as Error).message.split('\n')[0];
  } finally {
    theirs?.dispose();
    ours.dispose();
  }
  return row;
}

const fix = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d));

/** webgrad's GPU buffers (and textures) created per timed repetition: none in a steady loop. */
const createdText = (c: Created): string =>
  `${fix(c.buffers, c.buffers % 1 ? 1 : 0)} buffers (${fix(c.bytes / 2 ** 20)} MiB)${c.textures ? `, ${fix(c.textures, 1)} textures` : ''} created per repetition`;

function printTable(rows: Row[]): void {
  const head = [
    'case', 'shape', 'webgrad ms', 'GPU ms', 'GFLOP/s', 'CPU ms', 'GFLOP/CPU-s',
    'tfjs ms', 'GFLOP/s', 'CPU ms', 'GFLOP/CPU-s', 'tfjs/webgrad (wall)', 'tfjs/webgrad (CPU)',
  ];
  const rate = (m: Measured) => (m.gflops !== null ? fix(m.gflops, 2) : `${fix(m.gbps, 2)} GB/s`);
  const body = rows.map((r) => [
    r.name,
    r.shape,
    fix(r.webgrad.ms),
    fix(r.webgrad.gpuMs),
    rate(r.webgrad),
    fix(r.webgrad.cpuMs, 0),
    fix(r.webgrad.cpuGflops, 2),
    r.tfjs ? fix(r.tfjs.ms) : `failed: ${r.tfjsError}`,
    r.tfjs ? rate(r.tfjs) : '-',
    r.tfjs ? fix(r.tfjs.cpuMs, 0) : '-',
    r.tfjs ? fix(r.tfjs.cpuGflops, 2) : '-',
    r.ratio !== null ? `${fix(r.ratio, 2)}×` : '-',
    r.cpuRatio !== null ? `${fix(r.cpuRatio, 2)}×` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
  for (const b of body) console.log(line(b));
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const info = await init({ wait: o.wait, gemm: o.gemm });
  const adapter = `${info.vendor} ${info.architecture} ${info.description || info.device}`.trim();
  if (o.requireGpu && info.software) throw new Error(`--require-gpu: the adapter is a software one (${adapter})`);
  const peer = o.tfjs ? await startTfjs() : null;
  let cases = ALL_CASES.filter((c) => !c.large || o.large || !info.software);
  if (o.quick) cases = cases.filter((c) => c.quick);
  if (o.filter) cases = cases.filter((c) => o.filter!.test(`${c.group}/${c.name}`));
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, os: `${os.platform()} ${os.release()}`, node: process.version };
  console.log(`adapter: ${adapter}${info.software ? ' (software)' : ''}; GEMM kernel: ${runtime().gemmVariant}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, node ${machine.node}`);
  console.log(`${cases.length} cases, at least ${o.reps} timed repetitions each (more for short ones) after 1 warm-up; wait mode ${o.wait}`);

  const rows: Row[] = [];
  for (const c of cases) {
    process.stdout.write(`  ${c.group}/${c.name} ...`);
    let row: Row;
    try {
      row = await benchCase(c, o, peer);
    } catch (error) {
      // One failing case (a GPU error, say) is reported, and the others still run.
      process.stdout.write(` failed: ${(error as Error).message.split('\n')[0]}\n`);
      continue;
    }
    process.stdout.write(` ${fix(row.webgrad.ms)} ms (tfjs ${row.tfjs ? `${fix(row.tfjs.ms)} ms` : row.tfjsError}); ${createdText(row.webgrad.created)}\n`);
    rows.push(row);
    if (o.profile) {
      try {
        row.profile = await profileCase(c);
      } catch (error) {
        process.stdout.write(`  (no profile: ${(error as Error).message.split('\n')[0]})\n`);
      }
    }
  }
  const method =
    'wall time per repetition on both sides, from recording the work to the queue reporting it done ' +
    '(webgrad: runtime.sync(); tfjs: submitQueue() then onSubmittedWorkDone()), median; ' +
    `GPU ms: webgrad's timestamp queries around each repetition where the adapter has them and they lie within ` +
    '[0.5, 1.05]× the wall time (else -); CPU ms: CPU time per repetition of every thread but the main one ' +
    "(lavapipe's workers; /proc, Linux), which other load on the machine barely changes; ratios = tfjs / webgrad";
  console.log(`\nmethod: ${method}\n`);
  printTable(rows);
  for (const r of rows) if (r.name.startsWith('training/')) console.log(`${r.name}: ${createdText(r.webgrad.created)}`);
  for (const r of rows) if (r.profile) printProfile(r.name, r.profile);
  if (o.json) {
    const out = {
      machine,
      adapter,
      gemm: runtime().gemmVariant,
      method,
      reps: o.reps,
      cases: rows.map((r) => ({
        name: r.name,
        shape: r.shape,
        webgrad: r.webgrad,
        tfjs: r.tfjs,
        ...(r.tfjsError ? { tfjsError: r.tfjsError } : {}),
        ratio: r.ratio,
        cpuRatio: r.cpuRatio,
        ...(r.profile ? { profile: r.profile } : {}),
      })),
    };
    await writeFile(o.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${o.json}`);
  }
  await release();
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

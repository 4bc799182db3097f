// The benchmark: every case in bench/cases/*.ts on webgrad and on tfjs-webgpu (same Dawn adapter),
// checked against each other, timed, and printed as a table (and written as JSON with --json).
// Options: bench/cli.ts (npm run bench -- --help).
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { init, release } from '../src/node.js';
import { describePolicy } from '../src/runtime/policy.js';
import { runtime } from '../src/device/current.js';
import { gemmAutotuner, type GemmTuning } from '../src/kernels/gemm/gemm-autotune.js';
import { selectCases, type BenchCase, type Side } from './case.js';
import { startTfjs, type TfjsPeer } from './tfjs.js';
import { median, timeWall, timeWebgrad, timestampsSane, type Created } from './timing.js';
import { printProfile, profileCase } from './profile.js';
import { readOptions, type Options } from './cli.js';
import { TFJS_MISSING, fix, formatSummary, formatTable, ms, summarise, wrap, type Compiled, type Measured, type Row } from './table.js';
import { appendJsonLine, caseRecord } from './records.js';
import { warmUp } from './warm-up/run.js';
import { cases as alexnetCases } from './cases/alexnet.js';
import { cases as convCases } from './cases/conv.js';
import { cases as gemmCases } from './cases/gemm.js';
import { cases as trainingCases } from './cases/training.js';
import { cases as gptCases } from './cases/gpt.js';
import { cases as attentionCases } from './cases/attention.js';

// A static list (not a directory scan) so that the bench bundles into one file for GPU machines.
const ALL_CASES: BenchCase[] = [...gemmCases, ...alexnetCases, ...convCases, ...trainingCases, ...attentionCases, ...gptCases];

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

function rates(c: BenchCase, ms: number, cpuMs: number | null): Measured {
  return {
    ms,
    cpuMs,
    cpuGflops: c.flops && cpuMs ? c.flops / cpuMs / 1e6 : null,
    gflops: c.flops ? c.flops / ms / 1e6 : null,
    gbps: c.bytes ? c.bytes / ms / 1e6 : null,
  };
}

/** Pipelines compiled so far in this process, and the ms spent compiling them. */
function compiledSoFar(): Compiled {
  const { pipelinesCompiled, compileMs } = runtime().counters;
  return { compiled: pipelinesCompiled, ms: compileMs };
}

async function benchCase(c: BenchCase, o: Options, peer: TfjsPeer | null): Promise<Row> {
  const warmup = 1;
  const before = compiledSoFar();
  const ours: Side = await c.webgrad();
  const { wall, gpu, cpuMs, created } = await timeWebgrad(ours, warmup, o.reps);
  const after = compiledSoFar();
  const pipelines = { compiled: after.compiled - before.compiled, ms: after.ms - before.ms };
  // Timestamps are reported beside the wall time when they are believable; the wall time is what
  // both sides are compared on, as tfjs can only be timed that way here.
  const gpuMs = timestampsSane(wall, gpu) ? median(gpu!) : null;
  const row: Row = {
    name: `${c.group}/${c.name}`,
    shape: c.shape,
    webgrad: { ...rates(c, median(wall), cpuMs), wallMs: median(wall), gpuMs, created, pipelines },
    tfjs: null,
    ratio: null,
    cpuRatio: null,
    ...(ours.note ? { note: ours.note } : {}),
  };
  if (!c.tfjs || !peer) {
    ours.dispose();
    row.tfjsError = !c.tfjs ? TFJS_MISSING.noSuchOp : o.tfjs ? TFJS_MISSING.unavailable : TFJS_MISSING.notRun;
    return row;
  }
  let theirs: Side | null = null;
  try {
    theirs = await c.tfjs(peer.tf);
    // Check first, so that a side that computes nothing (tfjs past the binding limit) is not timed.
    const checkStart = performance.now();
    theirs.run();
    await peer.sync();
    const checkMs = performance.now() - checkStart;
    const err = relativeError(await theirs.result(), await ours.result());
    const rtol = c.rtol ?? 1e-3;
    if (!(err <= rtol)) throw new Error(`result differs from webgrad's (relative error ${err.toExponential(2)} > ${rtol})`);
    // As many repetitions as webgrad's, or in --quick about a second's worth (at least --reps).
    const reps = o.quick ? Math.min(wall.length, Math.max(o.reps, Math.ceil(1000 / checkMs))) : wall.length;
    const t = await timeWall(theirs, () => peer.sync(), 0, reps);
    row.tfjs = rates(c, median(t.wall), t.cpuMs);
    // Both sides timed the same ways, so each ratio compares like with like.
    row.ratio = median(t.wall) / median(wall);
    row.cpuRatio = t.cpuMs && cpuMs ? t.cpuMs / cpuMs : null;
  } catch (error) {
    row.tfjsError = TFJS_MISSING.failed((error as Error).message.split('\n')[0]);
  } finally {
    theirs?.dispose();
    ours.dispose();
  }
  return row;
}


/** webgrad's GPU buffers (and textures) created per timed repetition: none in a steady loop. */
const createdText = (c: Created): string =>
  `${fix(c.buffers, c.buffers % 1 ? 1 : 0)} buffers (${fix(c.bytes / 2 ** 20)} MiB)${c.textures ? `, ${fix(c.textures, 1)} textures` : ''} created per repetition`;

const compiledText = (p: Compiled): string => `${p.compiled} pipelines compiled (${fix(p.ms, 0)} ms)`;

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  if (o.warmUp) {
    const result = warmUp(o);
    if (o.json) {
      const cpus = os.cpus();
      const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, os: `${os.platform()} ${os.release()}`, node: process.version, load: os.loadavg() };
      await writeFile(o.json, `${JSON.stringify({ machine, warmUp: result }, null, 2)}\n`);
      console.log(`\nwrote ${o.json}`);
    }
    return;
  }
  const info = await init({
    wait: o.wait,
    gemm: o.gemm,
    ...(o.robustness ? {} : { robustness: false }),
    ...(o.autotuneFile ? { autotune: { file: o.autotuneFile } } : {}),
  });
  const adapter = `${info.vendor} ${info.architecture} ${info.description || info.device}`.trim();
  if (o.requireGpu && info.software) throw new Error(`--require-gpu: the adapter is a software one (${adapter})`);
  const peer = o.tfjs ? await startTfjs() : null;
  const { cases, leftOut } = selectCases(ALL_CASES, o, info.software);
  const cpus = os.cpus();
  const machine = { cpu: cpus[0]?.model ?? 'unknown', cores: cpus.length, os: `${os.platform()} ${os.release()}`, node: process.version };
  console.log(`adapter: ${adapter}${info.software ? ' (software)' : ''}`);
  console.log(`policy: ${describePolicy(runtime().policy)}${o.robustness ? '' : "; Dawn's robustness off (webgrad and tfjs alike)"}`);
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, node ${machine.node}`);
  console.log(`${cases.length} cases, at least ${o.reps} timed repetitions each (more for short ones) after 1 warm-up; wait mode ${o.wait}`);
  if (leftOut) console.log(`(${leftOut} cases of webgrad's own variants, which tfjs has no op for, left out: --all runs them)`);
  const run = `${new Date().toISOString()} ${process.pid}`;
  const line = (record: Record<string, unknown>) => {
    if (o.jsonl) appendJsonLine(o.jsonl, { run, ...record });
  };
  line({ type: 'run', argv: process.argv.slice(2), machine, adapter, robustness: o.robustness, policy: runtime().policy, reps: o.reps });

  const rows: Row[] = [];
  for (const c of cases) {
    process.stdout.write(`  ${c.group}/${c.name} [${c.shape}] ...`);
    let row: Row;
    try {
      row = await benchCase(c, o, peer);
    } catch (error) {
      // One failing case (a GPU error, say) is reported, and the others still run.
      const message = (error as Error).message.split('\n')[0];
      process.stdout.write(` failed: ${message}\n`);
      line({ type: 'failed', name: `${c.group}/${c.name}`, error: message });
      continue;
    }
    process.stdout.write(` ${ms(row.webgrad.ms)} ms (${row.tfjs ? `tfjs ${ms(row.tfjs.ms)} ms` : row.tfjsError})${row.note ? ` [${row.note}]` : ''}; ${createdText(row.webgrad.created)}; ${compiledText(row.webgrad.pipelines)}\n`);
    rows.push(row);
    if (o.profile) {
      try {
        row.profile = await profileCase(c);
      } catch (error) {
        process.stdout.write(`  (no profile: ${(error as Error).message.split('\n')[0]})\n`);
      }
    }
    line({ type: 'case', ...caseRecord(row) });
  }
  const pipelines = compiledSoFar();
  console.log(`\npipelines: ${compiledText(pipelines)} in this process`);
  const method =
    'wall time per repetition on both sides, from recording the work to the queue reporting it done ' +
    '(webgrad: runtime.sync(); tfjs: submitQueue() then onSubmittedWorkDone()), median; ' +
    `GPU: webgrad's timestamp queries around each repetition where the adapter has them and they lie within ` +
    '[0.5, 1.05]× the wall time; tfjs/webgrad: the ratio of the medians; by CPU: the ratio of the CPU time per ' +
    "repetition of every thread but the main one (a CPU adapter's workers, such as lavapipe's; /proc, Linux), " +
    'which other load on the machine barely changes';
  console.log(`\n${wrap(`method: ${method}`)}\n`);
  console.log(formatTable(rows));
  console.log(`\n${formatSummary(summarise(rows)).join('\n')}`);
  for (const r of rows) if (r.name.startsWith('training/')) console.log(`${r.name}: ${createdText(r.webgrad.created)}`);
  for (const r of rows) if (r.profile) printProfile(r.name, r.profile);
  const autotune = autotuneReport();
  if (autotune) {
    console.log(`\nautotune: ${autotune.tunings.map((t) => `${t.shapeClass} → ${t.config}`).join('; ') || 'nothing tuned'}`);
    for (const [shapeClass, configs] of Object.entries(autotune.wrong)) {
      console.log(`autotune: WRONG on this adapter for ${shapeClass}: ${Object.entries(configs).map(([c, d]) => `${c} (difference ${d.toPrecision(2)})`).join(', ')}`);
    }
    for (const [shapeClass, why] of Object.entries(autotune.failures)) console.log(`autotune: ${shapeClass}: ${why}`);
  }
  line({ type: 'end', pipelines, ...(autotune ? { autotune } : {}) });
  if (o.json) {
    const out = {
      machine,
      adapter,
      robustness: o.robustness,
      gemm: runtime().policy.gemm,
      conv: runtime().policy.conv,
      policy: runtime().policy,
      ...(autotune ? { autotune } : {}),
      method,
      reps: o.reps,
      summary: summarise(rows),
      pipelines,
      cases: rows.map(caseRecord),
    };
    await writeFile(o.json, `${JSON.stringify(out, null, 2)}\n`);
    console.log(`\nwrote ${o.json}`);
  }
  await release();
}

/** What the GEMM autotuner chose, found wrong and failed at in this run (null where it is off). */
function autotuneReport(): { tunings: GemmTuning[]; wrong: Record<string, Record<string, number>>; failures: Record<string, string> } | null {
  const tuner = gemmAutotuner();
  if (!tuner) return null;
  return { tunings: tuner.tunings, wrong: Object.fromEntries(tuner.wrong), failures: Object.fromEntries(tuner.failures) };
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);

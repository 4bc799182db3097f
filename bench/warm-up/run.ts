// `npm run bench -- --warm-up`: each workload (workloads.ts) as whole processes (child.ts), first
// with an empty shader cache (Mesa's, and webgrad's own cache folder) and then again with the
// cache that run left, webgrad and tfjs alternating; the times, and webgrad's pipelines per kernel.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Options } from '../cli.js';
import { median } from '../timing.js';
import { fix } from '../table.js';
import { RESULT_PREFIX, type ChildResult } from './result.js';
import { DESCRIPTIONS, WORKLOADS, type Workload } from './workloads.js';

type Lib = 'webgrad' | 'tfjs';

export interface ProcessRun extends ChildResult {
  lib: Lib;
  workload: Workload;
  cache: 'cold' | 'warm';
  /** Seconds of the whole process, from spawn to exit. */
  processS: number;
}

const CHILD = fileURLToPath(new URL('./child.ts', import.meta.url));

/** Runs one child with `cacheDir` as its shader cache (and XDG cache home). */
function runChild(lib: Lib, workload: Workload, cacheDir: string, cache: 'cold' | 'warm', firstUses = false): ProcessRun {
  const env = { ...process.env, MESA_SHADER_CACHE_DIR: join(cacheDir, 'mesa'), XDG_CACHE_HOME: cacheDir };
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', CHILD, lib, workload, ...(firstUses ? ['--first-uses'] : [])], { encoding: 'utf8', env, maxBuffer: 64 * 2 ** 20 });
  const processS = (performance.now() - t0) / 1e3;
  const line = r.stdout.split('\n').find((l) => l.startsWith(RESULT_PREFIX));
  if (r.status !== 0 || !line) throw new Error(`${lib} ${workload} (${cache}) failed with status ${r.status}: ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  return { lib, workload, cache, processS, ...(JSON.parse(line.slice(RESULT_PREFIX.length)) as ChildResult) };
}

export interface WarmUpSummary {
  workload: Workload;
  lib: Lib;
  coldS: number;
  warmS: number;
  coldCpuS: number;
  warmCpuS: number;
  runs: number;
}

/** Runs every workload `o.reps` times per library, cold then warm, libraries alternating; prints and returns them. */
export function warmUp(o: Options): { runs: ProcessRun[]; summary: WarmUpSummary[]; kernelRuns: ProcessRun[] } {
  const workloads = WORKLOADS.filter((w) => !o.filter || o.filter.test(w));
  const libs: Lib[] = o.tfjs ? ['webgrad', 'tfjs'] : ['webgrad'];
  const runs: ProcessRun[] = [];
  console.log(`warm-up: ${workloads.length} workloads, ${o.reps} runs each per library, each a process with an empty shader cache then a warm one`);
  for (const w of workloads) {
    console.log(`\n${w}: ${DESCRIPTIONS[w]}`);
    for (let rep = 0; rep < o.reps; rep++) {
      // Alternating which goes first, so that neither always meets the same load.
      for (const lib of rep % 2 === 0 ? libs : [...libs].reverse()) {
        const dir = mkdtempSync(join(tmpdir(), 'webgrad-warm-up-'));
        try {
          for (const cache of ['cold', 'warm'] as const) {
            const run = runChild(lib, w, dir, cache);
            runs.push(run);
            console.log(`  ${lib.padEnd(7)} ${cache}: ${fix(run.processS, 2)} s process, ${fix(run.cpuS, 2)} CPU s (init ${fix(run.initS, 2)} s, work ${fix(run.workS, 2)} s), loss ${fix(run.loss, 3)}`);
          }
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
  }
  const summary: WarmUpSummary[] = [];
  for (const w of workloads) {
    for (const lib of libs) {
      const of = (cache: string, f: (r: ProcessRun) => number = (r) => r.processS) =>
        runs.filter((r) => r.workload === w && r.lib === lib && r.cache === cache).map(f);
      const cpu = (r: ProcessRun) => r.cpuS;
      summary.push({
        workload: w, lib, coldS: median(of('cold')), warmS: median(of('warm')), coldCpuS: median(of('cold', cpu)), warmCpuS: median(of('warm', cpu)), runs: of('cold').length,
      });
    }
  }
  console.log(`\n| workload | library | cold s | warm s | cold CPU s | warm CPU s | cold: webgrad / tfjs |`);
  console.log(`|---|---|---:|---:|---:|---:|---:|`);
  for (const s of summary) {
    const peer = summary.find((t) => t.workload === s.workload && t.lib === 'tfjs');
    const ratio = s.lib === 'webgrad' && peer ? `${fix(s.coldS / peer.coldS, 2)}×` : '';
    console.log(`| ${s.workload} | ${s.lib} | ${fix(s.coldS, 2)} | ${fix(s.warmS, 2)} | ${fix(s.coldCpuS, 2)} | ${fix(s.warmCpuS, 2)} | ${ratio} |`);
  }
  console.log('(seconds of whole processes, wall and CPU of all their threads, median of the runs; cold: empty Mesa shader cache and XDG cache home)');
  const kernelRuns: ProcessRun[] = [];
  for (const w of workloads) {
    // One more cold run with each new pipeline's first dispatch timed, for the table of kernels.
    const dir = mkdtempSync(join(tmpdir(), 'webgrad-warm-up-'));
    let cold: ProcessRun;
    try {
      cold = runChild('webgrad', w, dir, 'cold', true);
    } catch (error) {
      // An adapter without timestamp queries, say: the times above stand without the table.
      console.log(`\nwebgrad ${w}: no table of kernels (${(error as Error).message})`);
      continue;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    kernelRuns.push(cold);
    if (!cold.kernels) continue;
    const total = cold.kernels.reduce((s, k) => s + k.pipelines, 0);
    console.log(`\nwebgrad ${w}, a cold run with first uses timed: ${total} pipelines; per kernel, costliest first`);
    console.log('(first use: GPU time of each pipeline\'s first dispatch, where lavapipe compiles it; create: CPU time creating it)');
    console.log('| kernel | pipelines | first use s | create s |');
    console.log('|---|---:|---:|---:|');
    for (const k of cold.kernels) console.log(`| ${k.kernel} | ${k.pipelines} | ${fix(k.firstUseMs / 1e3, 2)} | ${fix(k.createMs / 1e3, 3)} |`);
  }
  return { runs, summary, kernelRuns };
}

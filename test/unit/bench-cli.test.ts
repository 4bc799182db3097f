import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs } from '../../bench/cli.js';
import { appendJsonLine, caseRecord } from '../../bench/records.js';
import { TFJS_MISSING, formatSummary, formatTable, summarise, type Row } from '../../bench/table.js';
import { selectCases, type BenchCase } from '../../bench/case.js';
import { cases as alexnetCases } from '../../bench/cases/alexnet.js';
import { cases as convCases } from '../../bench/cases/conv.js';
import { cases as gemmCases } from '../../bench/cases/gemm.js';
import { cases as trainingCases } from '../../bench/cases/training.js';

describe('bench command line', () => {
  it('reads the options, with --quick defaulting to 3 repetitions', () => {
    const o = parseArgs(['--quick', '--filter', '^gemm/', '--gemm', 'texture', '--no-tfjs', '--json', 'out.json'])!;
    expect(o).toMatchObject({ quick: true, reps: 3, gemm: 'texture', tfjs: false, json: 'out.json' });
    expect(o.filter!.test('GEMM/square 256')).toBe(true);
    expect(parseArgs([])!.reps).toBe(7);
    expect(parseArgs(['--reps', '2', '--quick'])!.reps).toBe(2);
    expect([parseArgs([])!.all, parseArgs(['--all'])!.all]).toEqual([false, true]);
  });

  it('reads --jsonl and --autotune-file, each needing a value, and leaves both off by default', () => {
    expect(parseArgs(['--jsonl', 'cases.jsonl', '--autotune-file', '/tmp/tune.json', '--json', 'all.json'])).toMatchObject({
      jsonl: 'cases.jsonl',
      autotuneFile: '/tmp/tune.json',
      json: 'all.json',
    });
    expect(parseArgs([])).toMatchObject({ jsonl: null, autotuneFile: null, json: null });
    expect(() => parseArgs(['--jsonl'])).toThrow(/--jsonl needs a value/);
    expect(() => parseArgs(['--autotune-file'])).toThrow(/--autotune-file needs a value/);
  });

  it('reads --warm-up, with 2 runs by default and --reps, --filter, --no-tfjs and --json beside it', () => {
    const o = parseArgs(['--warm-up', '--filter', 'readme', '--no-tfjs', '--json', 'w.json'])!;
    expect(o).toMatchObject({ warmUp: true, reps: 2, tfjs: false, json: 'w.json' });
    expect(o.filter!.test('readme')).toBe(true);
    expect(parseArgs(['--warm-up', '--reps', '3'])!.reps).toBe(3);
    expect(parseArgs([])!.warmUp).toBe(false);
    for (const other of [['--quick'], ['--profile'], ['--large'], ['--gemm', 'texture'], ['--require-gpu']]) {
      expect(() => parseArgs(['--warm-up', ...other])).toThrow(/--warm-up times whole processes/);
    }
  });

  it('answers --help, and names what it does not understand', () => {
    expect(parseArgs(['--quick', '--help'])).toBeNull();
    expect(parseArgs(['-h'])).toBeNull();
    expect(() => parseArgs(['--bogus'])).toThrow(new UsageError('unknown argument --bogus'));
    expect(() => parseArgs(['--reps', '0'])).toThrow(/--reps takes a positive integer, got 0/);
    expect(() => parseArgs(['--reps'])).toThrow(/--reps needs a value/);
    expect(() => parseArgs(['--gemm', 'fast'])).toThrow(/--gemm takes registers, workgroup or texture, got fast/);
    expect(() => parseArgs(['--filter', '('])).toThrow(UsageError);
  });
});

describe('bench table', () => {
  const measured = (ms: number, gflops: number | null) => ({ ms, cpuMs: null, cpuGflops: null, gflops, gbps: gflops === null ? 1.5 : null });
  const row = (name: string, tfjs: number | null, tfjsError?: string): Row => ({
    name,
    shape: 'x',
    webgrad: { ...measured(1170, 14.95), wallMs: 1170, gpuMs: 1143.7, created: { buffers: 0, bytes: 0, textures: 0 }, pipelines: { compiled: 3, ms: 41.5 } },
    tfjs: tfjs === null ? null : measured(tfjs, 0.6),
    ...(tfjsError ? { tfjsError } : {}),
    ratio: tfjs === null ? null : tfjs / 1170,
    cpuRatio: tfjs === null ? null : 25.63,
  });

  it('fits 120 columns with the longest case names, says plainly what tfjs lacks, and notes failures', () => {
    const table = formatTable([
      row('alexnet/maxPool 3/2 backward (batch 128)', 27027.7),
      row('alexnet/conv1 im2col (batch 128)', null, TFJS_MISSING.noSuchOp),
      row('gemm/fc6 forward x·Wᵀ', null, TFJS_MISSING.failed("result differs from webgrad's (relative error 1.00e+0 > 0.001)")),
    ]);
    const lines = table.split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(120);
    expect(lines[2]).toMatch(/^\| alexnet\/maxPool 3\/2 backward \(batch 128\) \| +1170\.0 \(1143\.7\) \| +14\.95 \| +27027\.7 \| +23\.10× \| +25\.63× \|$/);
    expect(lines[3]).toMatch(/\| +no such op \|/);
    expect(lines[4]).toMatch(/\| +failed \(1\) \|/);
    expect(lines[5]).toBe('');
    expect(lines[6]).toBe("(1) gemm/fc6 forward x·Wᵀ: tfjs failed: result differs from webgrad's (relative error 1.00e+0 > 0.001)");
  });
});

describe('bench records', () => {
  const row = (name: string, tfjsError?: string): Row => ({
    name,
    shape: '[128,3,224,224] → 10',
    webgrad: {
      ms: 465.2, cpuMs: null, cpuGflops: null, gflops: 2853.1, gbps: null, wallMs: 465.2, gpuMs: 460.9,
      created: { buffers: 0, bytes: 0, textures: 0 }, pipelines: { compiled: 57, ms: 812.4 },
    },
    tfjs: null,
    ...(tfjsError ? { tfjsError } : {}),
    ratio: null,
    cpuRatio: null,
  });

  it('appends one parseable line per record, keeping the lines already there (a run cut short keeps its cases)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-jsonl-'));
    try {
      const file = join(dir, 'cases.jsonl');
      appendJsonLine(file, { run: 'a', type: 'run', adapter: 'lavapipe' });
      appendJsonLine(file, { run: 'a', type: 'case', ...caseRecord(row('training/alexnet-seed step b128', TFJS_MISSING.noSuchOp)) });
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[2]).toBe('');
      expect(JSON.parse(lines[0])).toEqual({ run: 'a', type: 'run', adapter: 'lavapipe' });
      const c = JSON.parse(lines[1]);
      expect(c).toMatchObject({ run: 'a', type: 'case', name: 'training/alexnet-seed step b128', tfjs: null, tfjsError: 'tfjs has no such op' });
      expect(c.webgrad).toMatchObject({ ms: 465.2, gpuMs: 460.9, pipelines: { compiled: 57, ms: 812.4 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('leaves out what was not measured (no note, no tfjs error, no profile)', () => {
    const r = caseRecord(row('gemm/square 256'));
    expect(Object.keys(r)).toEqual(['name', 'shape', 'webgrad', 'tfjs', 'ratio', 'cpuRatio']);
  });
});

describe('bench case selection', () => {
  const ALL = [...gemmCases, ...alexnetCases, ...convCases, ...trainingCases];
  const name = (c: BenchCase) => `${c.group}/${c.name}`;
  const options = { quick: false, all: false, large: false, tfjs: true, filter: null };

  it('--quick runs the cases tfjs runs too; webgrad-only variants come after them, and only under --all', () => {
    const quick = selectCases(ALL, { ...options, quick: true }, true);
    expect(quick.cases.length).toBeGreaterThan(0);
    expect(quick.cases.every((c) => c.quick && c.tfjs)).toBe(true);
    const all = selectCases(ALL, { ...options, quick: true, all: true }, true);
    const own = ALL.filter((c) => c.quick && !c.tfjs && !c.large);
    expect(own.length).toBeGreaterThan(0);
    expect(quick.leftOut).toBe(own.length);
    expect(all.leftOut).toBe(0);
    expect(all.cases.map(name)).toEqual([...quick.cases, ...own].map(name));
  });

  it('--filter and --no-tfjs choose from every case; GPU-sized ones need a GPU or --large', () => {
    const filtered = selectCases(ALL, { ...options, filter: /^conv\/.*batch 1\)/i }, true);
    expect(filtered.cases.length).toBeGreaterThan(0);
    expect(filtered.cases.every((c) => !c.tfjs && /^conv\//.test(name(c)))).toBe(true);
    expect(selectCases(ALL, { ...options, tfjs: false }, true).cases.length).toBe(ALL.filter((c) => !c.large).length);
    const onGpu = selectCases(ALL, options, false).cases;
    expect(onGpu.some((c) => c.large)).toBe(true);
    expect(selectCases(ALL, { ...options, large: true }, true).cases.map(name)).toEqual(onGpu.map(name));
    expect(selectCases(ALL, options, true).cases.some((c) => c.large)).toBe(false);
  });
});

describe('bench summary', () => {
  const row = (name: string, webgradMs: number, tfjsMs: number | null): Row => ({
    name,
    shape: 'x',
    webgrad: { ms: webgradMs, cpuMs: null, cpuGflops: null, gflops: 1, gbps: null, wallMs: webgradMs, gpuMs: null, created: { buffers: 0, bytes: 0, textures: 0 }, pipelines: { compiled: 0, ms: 0 } },
    tfjs: tfjsMs === null ? null : { ms: tfjsMs, cpuMs: null, cpuGflops: null, gflops: 1, gbps: null },
    ...(tfjsMs === null ? { tfjsError: TFJS_MISSING.noSuchOp } : {}),
    ratio: tfjsMs === null ? null : tfjsMs / webgradMs,
    cpuRatio: null,
  });

  it("per group, the geometric mean of webgrad's time over tfjs's over the cases both ran", () => {
    const rows = [
      row('gemm/a', 1, 4), // 0.25
      row('gemm/b', 4, 1), // 4
      row('gemm/c', 2, 8), // 0.25
      row('alexnet/conv1 forward', 3, 1), // 3
      row('alexnet/conv1 im2col', 5, null),
      row('conv/conv1 implicit', 1, null),
    ];
    const s = summarise(rows);
    expect(s.map((x) => [x.group, x.cases, x.compared])).toEqual([['gemm', 3, 3], ['alexnet', 2, 1], ['conv', 1, 0], ['all', 6, 4]]);
    expect(s[0].geomean).toBeCloseTo(Math.cbrt(0.25 * 4 * 0.25), 12);
    expect(s[1].geomean).toBeCloseTo(3, 12);
    expect(s[2].geomean).toBeNull();
    expect(s[3].geomean).toBeCloseTo((0.25 * 4 * 0.25 * 3) ** 0.25, 12);
    expect(formatSummary(s)).toEqual([
      'gemm: webgrad/tfjs time, geometric mean over 3 of 3 cases: 0.630 (webgrad 1.59× faster)',
      'alexnet: webgrad/tfjs time, geometric mean over 1 of 2 cases: 3.00 (webgrad 3.00× slower)',
      'conv: no case compared with tfjs (0 of 1 case)',
      'all: webgrad/tfjs time, geometric mean over 4 of 6 cases: 0.931 (webgrad 1.07× faster)',
    ]);
    // One group: no 'all' line.
    expect(summarise([row('gemm/a', 1, 2)]).map((x) => x.group)).toEqual(['gemm']);
  });
});

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs } from '../bench/cli.js';
import { appendJsonLine, caseRecord } from '../bench/records.js';
import { TFJS_MISSING, formatTable, type Row } from '../bench/table.js';

describe('bench command line', () => {
  it('reads the options, with --quick defaulting to 3 repetitions', () => {
    const o = parseArgs(['--quick', '--filter', '^gemm/', '--gemm', 'texture', '--no-tfjs', '--json', 'out.json'])!;
    expect(o).toMatchObject({ quick: true, reps: 3, gemm: 'texture', tfjs: false, json: 'out.json' });
    expect(o.filter!.test('GEMM/square 256')).toBe(true);
    expect(parseArgs([])!.reps).toBe(7);
    expect(parseArgs(['--reps', '2', '--quick'])!.reps).toBe(2);
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

import { describe, expect, it } from 'vitest';
import { UsageError, parseArgs } from '../bench/cli.js';
import { TFJS_MISSING, formatTable, type Row } from '../bench/table.js';

describe('bench command line', () => {
  it('reads the options, with --quick defaulting to 3 repetitions', () => {
    const o = parseArgs(['--quick', '--filter', '^gemm/', '--gemm', 'texture', '--no-tfjs', '--json', 'out.json'])!;
    expect(o).toMatchObject({ quick: true, reps: 3, gemm: 'texture', tfjs: false, json: 'out.json' });
    expect(o.filter!.test('GEMM/square 256')).toBe(true);
    expect(parseArgs([])!.reps).toBe(7);
    expect(parseArgs(['--reps', '2', '--quick'])!.reps).toBe(2);
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
    webgrad: { ...measured(1170, 14.95), wallMs: 1170, gpuMs: 1143.7, created: { buffers: 0, bytes: 0, textures: 0 } },
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

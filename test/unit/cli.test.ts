// Every command line that takes flags (the npm scripts, and the report's renderer) under a user's
// mistakes: --help prints the usage (status 0); an unknown flag, a bad value or a busy port is one
// line on stderr with status 2, before any GPU work, and never a stack trace.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError, nonNegative, oneOf, parseFlags, port, positiveInt } from '../../scripts/cli.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function cli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [join(ROOT, script), ...args], { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** [script, the name its messages start with, a flag with a bad value, what it says about it]. */
const CLIS: [string, string, string[], RegExp][] = [
  ['examples/alexnet-cifar/main.ts', 'alexnet', ['--batch', 'x'], /--batch must be a positive integer, got 'x'/],
  ['examples/cifar-resnet/main.ts', 'cifar-resnet', ['--epochs', '0'], /--epochs must be a positive integer, got '0'/],
  ['examples/browser/serve.ts', 'example:browser', ['--port', '99999'], /--port must be a port number from 0 to 65535, got '99999'/],
  ['bench/index.ts', 'bench', ['--gemm', 'fast'], /--gemm takes registers, workgroup or texture, got fast/],
  ['test/device/run.ts', 'test:device', ['--filter', '('], /--filter: Invalid regular expression/],
  ['examples/alexnet-cifar/report/render.ts', 'render', ['--title'], /--title/],
  ['scripts/consumer-check.ts', 'check:consumer', ['--keep=yes'], /--keep/],
  ['test/browser/run.ts', 'test:browser', ['--help=yes'], /--help/],
];

const oneLine = (result: { code: number; stdout: string; stderr: string }, command: string) => {
  const lines = result.stderr.split('\n').filter((l) => l.trim() !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`${command}: `), lines[0]).toBe(true);
  expect(result.code).toBe(2);
  return lines[0];
};

describe('command lines', () => {
  let busy: ReturnType<typeof createServer>;
  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

  it.each(CLIS)('%s: --help, an unknown flag and a bad value', async (script, command, badArgs, badMessage) => {
    const [help, unknown, bad] = await Promise.all([cli(script, ['--help']), cli(script, ['--bogus']), cli(script, badArgs)]);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/usage|Usage|npm run/);
    expect(help.stderr).toBe('');
    expect(oneLine(unknown, command)).toMatch(/--bogus/);
    expect(oneLine(bad, command)).toMatch(badMessage);
  }, 120_000);

  it('example:browser: a busy port', async () => {
    const { port: taken } = busy.address() as AddressInfo;
    const result = await cli('examples/browser/serve.ts', ['--port', String(taken)]);
    expect(oneLine(result, 'example:browser')).toBe(`example:browser: --port ${taken} is in use; give another, or --port 0 for any free one`);
  }, 60_000);

  it('the shared checks name the flag and the value', () => {
    expect(positiveInt('batch', '8')).toBe(8);
    expect(() => positiveInt('batch', '1.5')).toThrow(new UsageError("--batch must be a positive integer, got '1.5'"));
    expect(nonNegative('lr', '0.01')).toBe(0.01);
    expect(() => nonNegative('lr', '')).toThrow(UsageError);
    expect(oneOf('order', 'shuffle', ['shuffle', 'sequential'])).toBe('shuffle');
    expect(port('port', '0')).toBe(0);
    expect(() => port('port', '8080.5')).toThrow(/--port must be a port number/);
    expect(parseFlags({ args: ['--n', '3', 'rest'], options: { n: { type: 'string' } }, allowPositionals: true })).toMatchObject({ values: { n: '3' }, positionals: ['rest'] });
    expect(() => parseFlags({ args: ['--m'], options: { n: { type: 'string' } } })).toThrow(UsageError);
  });
});

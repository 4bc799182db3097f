// The AlexNet example's command line under a user's mistakes: a message, never a stack trace.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { encodeSafetensors } from '../../src/index.js';
import { cpuWarning, parseConfig } from '../../examples/alexnet-cifar/config.js';
import { train } from '../../examples/alexnet-cifar/train.js';
import { CifarError } from '../../examples/alexnet-cifar/data/index.js';
import { setupDevice } from '../helpers.js';
import { writeSyntheticMini } from '../cifar-fixture.js';

// Stands for a machine without a network: the download fails as it would there.
vi.mock('../../examples/alexnet-cifar/data/index.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../examples/alexnet-cifar/data/index.js')>();
  return {
    ...actual,
    ensureCifar10: async (options: { dataDir?: string }) => {
      if (options.dataDir) return options.dataDir;
      throw new actual.CifarError(`CIFAR-10: download of ${actual.CIFAR10_URL} failed: getaddrinfo ENOTFOUND www.cs.toronto.edu`);
    },
  };
});

const root = mkdtempSync(join(tmpdir(), 'webgrad-cli-'));
const mini = join(root, 'cifar10-mini.tar.gz');
const MAIN = join(import.meta.dirname, '..', '..', 'examples', 'alexnet-cifar', 'main.ts');
const TSX = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx');

/** Runs the CLI; resolves to its exit code and output. */
function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { cwd: root, timeout: 300_000, env: { ...process.env, XDG_CACHE_HOME: join(root, 'cache') } }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const noStack = (text: string) => expect(text).not.toMatch(/^\s+at .+[(:]\d+/m);

beforeAll(async () => {
  await setupDevice();
  await writeSyntheticMini(mini);
});

describe('examples/alexnet-cifar command line', () => {
  it('user errors are one message each, without a stack trace', async () => {
    const existing = join(root, 'a-file');
    writeFileSync(existing, 'not a folder');
    const wrongShapes = join(root, 'wrong.safetensors');
    const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
    for (let i = 0; i < 16; i++) tensors[`p${i}`] = { dtype: 'F32', shape: [2], data: new Float32Array(2) };
    writeFileSync(wrongShapes, encodeSafetensors(tensors));
    const corrupt = join(root, 'corrupt-run');
    mkdirSync(corrupt, { recursive: true });
    writeFileSync(join(corrupt, 'config.json'), JSON.stringify(parseConfig(['--model', 'alexnet-small', '--data', mini])!.config));
    writeFileSync(join(corrupt, 'checkpoint.safetensors'), 'garbage that is not a checkpoint');
    const small = ['--model', 'alexnet-small', '--data', mini, '--train-subset', '16', '--test-subset', '8', '--batch', '8', '--epochs', '1'];
    const cases: [string[], RegExp][] = [
      [['--out', existing], /^alexnet: --out .*a-file is an existing file; give a folder/m],
      [[...small, '--init-from', join(root, 'missing.safetensors')], /^alexnet: --init-from .*missing\.safetensors: loadSafetensors: cannot read/m],
      [[...small, '--init-from', wrongShapes], /^alexnet: --init-from .*wrong\.safetensors: (16 tensors, but the model has \d+ parameters|loadStateDict: '.*' has shape \[2\])/m],
      [['--resume', corrupt], /^alexnet: --resume .*corrupt-run: the checkpoint cannot be read \(safetensors: /m],
      [['--resume', join(root, 'no-run')], /^alexnet: --resume .*no-run: cannot read its config\.json/m],
      [['--batch=-3'], /^alexnet: --batch must be a positive integer, got '-3'/m],
      [['--batch', '-3'], /^alexnet: Option '--batch' argument is ambiguous/m],
    ];
    for (const [args, pattern] of cases) {
      const { code, stderr } = await cli(args);
      expect(stderr, args.join(' ')).toMatch(pattern);
      noStack(stderr);
      expect(code, args.join(' ')).not.toBe(0);
    }
    // None of them left a run folder behind.
    expect(existsSync(join(root, 'runs'))).toBe(false);
  }, 600_000);

  it('a failed download suggests --data and leaves no run folder; the run folder is made once the data has loaded', async () => {
    const config = { ...parseConfig(['--model', 'alexnet-small'])!.config, out: join(root, 'never-made') };
    const error = await train(config, () => undefined).then(() => null, (e: Error) => e);
    expect(error).toBeInstanceOf(CifarError);
    expect(error!.message).toMatch(/ENOTFOUND.*pass --data PATH/);
    expect(existsSync(config.out)).toBe(false);
  });

  it('on a CPU adapter the faithful model warns with its estimated epoch time and suggests alexnet-small', () => {
    const faithful = parseConfig([])!.config;
    expect(cpuWarning(faithful, true)).toMatch(/about 16 hours per epoch of 50,000 images.*--model alexnet-small/);
    expect(cpuWarning({ ...faithful, trainSubset: 1000 }, true)).toMatch(/about 20 minutes per epoch of 1,000 images/);
    expect(cpuWarning(faithful, false)).toBeNull();
    expect(cpuWarning(parseConfig(['--model', 'alexnet-small'])!.config, true)).toBeNull();
  });
});

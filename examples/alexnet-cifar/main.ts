/**
 * npm run alexnet -- [options]: trains AlexNet on CIFAR-10 (see README.md beside this file).
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { adapterInfo, init, release, WebgradError } from '../../src/node.js';
import { runCli } from '../../scripts/cli.js';
import { ConfigError, HELP, cpuWarning, parseConfig, type Config } from './config.js';
import { NonFiniteLossError, train } from './train.js';
import { CifarError } from './data/cifar.js';
import { loadPngRenderer } from './report/index.js';

async function main(argv: string[]): Promise<number> {
  const resumeAt = argv.indexOf('--resume');
  const saved = resumeAt >= 0 && argv[resumeAt + 1] ? readSavedConfig(argv[resumeAt + 1]) : undefined;
  const parsed = parseConfig(argv, saved);
  if (!parsed) {
    console.log(HELP);
    return 0;
  }
  const config: Config = parsed.config;
  if (config.resume) config.out = config.resume;
  checkOut(config);
  if (config.png) await loadPngRenderer('--png');
  await init({
    ...(config.robustness ? {} : { robustness: false }),
    ...(config.gemm ? { gemm: config.gemm } : {}),
    ...(config.conv ? { conv: config.conv } : {}),
    ...(config.autotuneFile ? { autotune: { file: config.autotuneFile } } : {}),
  });
  const adapter = adapterInfo();
  console.log(`adapter: ${adapter.description || adapter.device || adapter.vendor}${adapter.software ? ' (software)' : ''}`);
  const warning = cpuWarning(config, adapter.software);
  if (warning) console.error(`alexnet: ${warning}`);
  const result = await train(config);
  console.log(`run folder: ${result.dir}`);
  return 0;
}

/** --out must name a folder (or nothing yet): an existing file is refused before any work. */
function checkOut(config: Config): void {
  if (!config.out) return;
  const info = statSync(config.out, { throwIfNoEntry: false });
  if (info && !info.isDirectory()) throw new ConfigError(`--out ${config.out} is an existing file; give a folder for the run (it is created if absent)`);
}

function readSavedConfig(dir: string): Config {
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  } catch (error) {
    throw new ConfigError(`--resume ${dir}: cannot read its config.json (${(error as Error).message})`);
  }
}

// A user's mistake (flags, files, data) is a message; only a bug in the example or the library shows a stack.
runCli('alexnet', () => main(process.argv.slice(2)), {
  expected: (error) => error instanceof NonFiniteLossError || error instanceof CifarError || error instanceof WebgradError,
  cleanup: release,
});

/**
 * npm run alexnet -- [options]: trains AlexNet on CIFAR-10 (see README.md beside this file).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { adapterInfo, init, release } from '../../src/node.js';
import { ConfigError, HELP, parseConfig, type Config } from './config.js';
import { NonFiniteLossError, train } from './train.js';

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
  await init();
  const adapter = adapterInfo();
  console.log(`adapter: ${adapter.description || adapter.device || adapter.vendor}${adapter.software ? ' (software)' : ''}`);
  const result = await train(config);
  console.log(`run folder: ${result.dir}`);
  return 0;
}

function readSavedConfig(dir: string): Config {
  try {
    return JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Config;
  } catch (error) {
    throw new ConfigError(`--resume ${dir}: cannot read its config.json (${(error as Error).message})`);
  }
}

main(process.argv.slice(2))
  .then(async (code) => {
    await release();
    process.exit(code);
  })
  .catch(async (error: Error) => {
    const known = error instanceof ConfigError || error instanceof NonFiniteLossError || error.name === 'CifarError';
    console.error(known ? `alexnet: ${error.message}` : error);
    await release().catch(() => undefined);
    process.exit(error instanceof ConfigError ? 2 : 1);
  });

/**
 * Redraws a run's figures from its files, e.g. while it trains or after it stopped:
 *
 *   npx tsx examples/alexnet-cifar/report/render.ts RUN_DIR [--png] [--title TEXT]
 *
 * Reads metrics.jsonl and steps.jsonl (and confusion.json, `{ "matrix": [[…]], "classes": […] }`,
 * when present) and writes curves.svg and confusion.svg beside them; --png also renders PNGs
 * (@resvg/resvg-js).
 */
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, parseFlags, runCli } from '../../../scripts/cli.js';
import { readMetrics, writeFigures } from './index.js';

const USAGE = 'usage: render.ts RUN_DIR [--png] [--title TEXT]';

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags({
    args: argv,
    options: { png: { type: 'boolean' }, title: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`give one run folder, got ${positionals.length}`);
  const [dir] = positionals;
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`${dir} is not a run folder`);
  const metrics = await readMetrics(dir);
  const confusionText = await readFile(join(dir, 'confusion.json'), 'utf8').catch(() => null);
  const confusion = confusionText ? (JSON.parse(confusionText) as { matrix: number[][]; classes: string[] }) : undefined;
  const written = await writeFigures(dir, { ...metrics, confusion, title: values.title, png: values.png });
  console.log(`${metrics.epochs.length} epochs, ${metrics.steps.length} steps → ${written.join(', ')}`);
  return 0;
}

runCli('render', () => main(process.argv.slice(2)));

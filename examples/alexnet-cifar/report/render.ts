/**
 * Redraws a run's figures from its files, e.g. while it trains or after it stopped:
 *
 *   npx tsx examples/alexnet-cifar/report/render.ts RUN_DIR [--png] [--title TEXT]
 *
 * Reads metrics.jsonl and steps.jsonl (and confusion.json, `{ "matrix": [[…]], "classes": […] }`,
 * when present) and writes curves.svg and confusion.svg beside them; --png also renders PNGs when
 * `rsvg-convert` (Debian: librsvg2-bin) is installed.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readMetrics, writeFigures } from './index.js';

async function main(argv: string[]): Promise<void> {
  const dir = argv.find((a, i) => !a.startsWith('--') && argv[i - 1] !== '--title');
  if (!dir) {
    console.error('usage: render.ts RUN_DIR [--png] [--title TEXT]');
    process.exit(2);
  }
  const titleAt = argv.indexOf('--title');
  const title = titleAt >= 0 ? argv[titleAt + 1] : undefined;
  const { epochs, steps } = await readMetrics(dir);
  const confusionText = await readFile(join(dir, 'confusion.json'), 'utf8').catch(() => null);
  const confusion = confusionText ? (JSON.parse(confusionText) as { matrix: number[][]; classes: string[] }) : undefined;
  const written = await writeFigures(dir, { epochs, steps, confusion, title, png: argv.includes('--png') });
  console.log(`${epochs.length} epochs, ${steps.length} steps → ${written.join(', ')}`);
}

await main(process.argv.slice(2));

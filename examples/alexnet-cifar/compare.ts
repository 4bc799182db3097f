// Draws several runs on one figure (the three initialisations in README.md came from it), and with
// --table prints a Markdown table of each run's test accuracy and train loss per epoch:
//   npx tsx examples/alexnet-cifar/compare.ts OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...] [--title TEXT] [--table]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { comparisonCurvesSvg, readMetrics, type NamedRun } from './report/index.js';

const { values, positionals } = parseArgs({ options: { title: { type: 'string' }, table: { type: 'boolean' } }, allowPositionals: true });
const [out, ...specs] = positionals;
if (!out || specs.length === 0 || specs.some((s) => !s.includes('='))) {
  console.error('usage: compare.ts OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...] [--title TEXT] [--table]');
  process.exit(2);
}
const runs = await Promise.all(
  specs.map(async (spec) => {
    const [name, dir] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
    return { name, ...(await readMetrics(dir)) };
  }),
);
await writeFile(out, comparisonCurvesSvg(runs, { title: values.title }));
console.error(`wrote ${out}`);
if (values.table) console.log(epochTable(runs));

/** One row per epoch, per run: test accuracy, train loss and the epoch's seconds ('–' where a run has no such epoch). */
function epochTable(runs: NamedRun[]): string {
  const last = Math.max(0, ...runs.flatMap((r) => r.epochs.map((e) => e.epoch)));
  const head = `| epoch | ${runs.map((r) => `${r.name}: test acc. / train loss / s`).join(' | ')} |`;
  const rule = `|---|${runs.map(() => '---|').join('')}`;
  const rows = Array.from({ length: last }, (_, i) => {
    const cells = runs.map((r) => {
      const e = r.epochs.find((m) => m.epoch === i + 1);
      return e ? `${(100 * e.testAccuracy).toFixed(2)}% / ${e.trainLoss.toFixed(3)} / ${e.seconds.toFixed(0)}` : '–';
    });
    return `| ${i + 1} | ${cells.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

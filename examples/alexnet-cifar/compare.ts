// Draws several runs on one figure (the three initialisations in README.md came from it):
//   npx tsx examples/alexnet-cifar/compare.ts OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...] [--title TEXT]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { comparisonCurvesSvg, readMetrics } from './report/index.js';

const { values, positionals } = parseArgs({ options: { title: { type: 'string' } }, allowPositionals: true });
const [out, ...specs] = positionals;
if (!out || specs.length === 0 || specs.some((s) => !s.includes('='))) {
  console.error('usage: compare.ts OUT.svg NAME=RUN_DIR [NAME=RUN_DIR ...] [--title TEXT]');
  process.exit(2);
}
const runs = await Promise.all(
  specs.map(async (spec) => {
    const [name, dir] = [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)];
    return { name, ...(await readMetrics(dir)) };
  }),
);
await writeFile(out, comparisonCurvesSvg(runs, { title: values.title }));
console.log(`wrote ${out}`);

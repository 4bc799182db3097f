// alexnet-small's training step (batch 16) with conv3–5 on im2col and on Winograd, the two forms
// alternated repetition by repetition, so that the machine's changing load falls on both alike:
// median wall ms and worker CPU ms (a CPU adapter's threads; /proc, Linux) of each, and their ratios.
// Run: npx tsx bench/winograd-step.ts [reps, default 7]
import { init } from '../src/node.js';
import { runtime } from '../src/device/current.js';
import { cases } from './cases/conv.js';
import type { Side } from './case.js';
import { median, workerCpuMs } from './timing.js';

const reps = Number(process.argv[2] ?? 7);
const FORMS = ['im2col', 'winograd'] as const;

await init({ compileNotice: false });
const sides: Record<string, Side> = {};
for (const f of FORMS) {
  const c = cases.find((k) => k.name === `alexnet-small step b16 ${f}`);
  if (!c) throw new Error(`no bench case 'alexnet-small step b16 ${f}'`);
  sides[f] = await c.webgrad();
}
const wall: Record<string, number[]> = { im2col: [], winograd: [] };
const cpu: Record<string, number[]> = { im2col: [], winograd: [] };
const once = async (f: string): Promise<[number, number]> => {
  const [t0, c0] = [performance.now(), workerCpuMs()!];
  sides[f].run();
  await runtime().sync();
  return [performance.now() - t0, workerCpuMs()! - c0];
};
// Two warm-up rounds (pipelines, pools), then the timed ones.
for (let i = 0; i < 2; i++) for (const f of FORMS) await once(f);
for (let i = 0; i < reps; i++) {
  for (const f of i % 2 ? [...FORMS].reverse() : FORMS) {
    const [w, c] = await once(f);
    wall[f].push(w);
    cpu[f].push(c);
  }
}
for (const f of FORMS) {
  console.log(`${f}: wall ${wall[f].map((x) => x.toFixed(0)).join(' ')} (median ${median(wall[f]).toFixed(0)}); worker CPU ${cpu[f].join(' ')} (median ${median(cpu[f])})`);
}
const ratio = (m: Record<string, number[]>) => (median(m.im2col) / median(m.winograd)).toFixed(2);
console.log(`im2col / winograd: wall ${ratio(wall)}×, worker CPU ${ratio(cpu)}×`);
for (const f of FORMS) sides[f].dispose();

// The bench's results as rows, and the table printed at the end of a run (at most 120 columns:
// every figure is also in --json's output).
import type { KernelProfile } from '../src/index.js';
import type { Created } from './timing.js';

export interface Measured {
  ms: number;
  /** CPU ms per repetition of the threads that run the kernels (a CPU adapter's), when measurable. */
  cpuMs: number | null;
  /** GFLOP per CPU-second of those threads. */
  cpuGflops: number | null;
  gflops: number | null;
  gbps: number | null;
}

export interface Row {
  name: string;
  shape: string;
  webgrad: Measured & { wallMs: number; gpuMs: number | null; created: Created; pipelines: Compiled };
  tfjs: Measured | null;
  /** Why there is no tfjs time, as a sentence ("tfjs has no such op", "tfjs failed: …"). */
  tfjsError?: string;
  ratio: number | null;
  /** tfjs CPU ms / webgrad CPU ms. */
  cpuRatio: number | null;
  profile?: KernelProfile;
  /** The side's note (a GEMM's kernel and configuration). */
  note?: string;
}

/** webgrad's pipelines compiled for a case (its first use: warm-up and autotuning included), and the CPU ms spent on them. */
export interface Compiled {
  compiled: number;
  ms: number;
}

/** Why tfjs was not timed, as a sentence for the progress lines and the JSON. */
export const TFJS_MISSING = {
  noSuchOp: 'tfjs has no such op',
  notRun: 'tfjs not run (--no-tfjs)',
  unavailable: 'tfjs unavailable',
  failed: (message: string) => `tfjs failed: ${message}`,
};

export const fix = (x: number | null | undefined, d = 1): string => (x === null || x === undefined ? '-' : x.toFixed(d));

/** Milliseconds with three significant digits or more: 0.215, 2.39, 60.0, 1170.0. */
export const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '-' : x.toFixed(x < 1 ? 3 : x < 10 ? 2 : 1));

/** The table cell for a case without a tfjs time; failures point to a note under the table. */
function missingCell(error: string | undefined, notes: string[], name: string): string {
  if (error === TFJS_MISSING.noSuchOp) return 'no such op';
  if (error === TFJS_MISSING.notRun) return 'not run';
  if (error === TFJS_MISSING.unavailable) return 'unavailable';
  notes.push(`${name}: ${error ?? 'tfjs failed'}`);
  return `failed (${notes.length})`;
}

/** Words of `text` in lines of at most `width` columns. */
export function wrap(text: string, width = 120): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

/**
 * One line a case, as Markdown: webgrad's median wall time (its GPU timestamps beside it where the
 * adapter gives believable ones), its rate, tfjs's median wall time, and tfjs's time over
 * webgrad's by wall time and by the CPU time of the adapter's worker threads (a CPU adapter's).
 */
export function formatTable(rows: Row[]): string {
  const head = ['case', 'webgrad ms (GPU)', 'GFLOP/s', 'tfjs ms', 'tfjs/webgrad', 'by CPU'];
  const rate = (m: Measured) => (m.gflops !== null ? fix(m.gflops, 2) : `${fix(m.gbps, 2)} GB/s`);
  const notes: string[] = [];
  const body = rows.map((r) => [
    r.name,
    r.webgrad.gpuMs !== null ? `${ms(r.webgrad.ms)} (${ms(r.webgrad.gpuMs)})` : ms(r.webgrad.ms),
    rate(r.webgrad),
    r.tfjs ? ms(r.tfjs.ms) : missingCell(r.tfjsError, notes, r.name),
    r.ratio !== null ? `${fix(r.ratio, 2)}×` : '-',
    r.cpuRatio !== null ? `${fix(r.cpuRatio, 2)}×` : '-',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...body.map(line)];
  if (notes.length) out.push('');
  notes.forEach((n, i) => out.push(wrap(`(${i + 1}) ${n}`)));
  return out.join('\n');
}

/** A group's answer to "is it faster than tfjs?": over the cases both ran, webgrad's time over tfjs's. */
export interface GroupSummary {
  group: string;
  /** Cases of the group in the run, and those tfjs ran too (their ratios are the summary's). */
  cases: number;
  compared: number;
  /** Geometric mean of webgrad's median time over tfjs's (below 1: webgrad is faster); null when none compared. */
  geomean: number | null;
}

/** One summary per group (the case name's part before '/'), in the rows' order, then all groups together. */
export function summarise(rows: Row[]): GroupSummary[] {
  const groups = new Map<string, Row[]>();
  for (const r of rows) {
    const group = r.name.split('/')[0];
    groups.set(group, [...(groups.get(group) ?? []), r]);
  }
  const summary = (group: string, of: Row[]): GroupSummary => {
    // r.ratio is tfjs's time over webgrad's: its reciprocal is webgrad's over tfjs's.
    const logs = of.filter((r) => r.ratio !== null && r.ratio > 0).map((r) => -Math.log(r.ratio!));
    return { group, cases: of.length, compared: logs.length, geomean: logs.length ? Math.exp(logs.reduce((a, b) => a + b, 0) / logs.length) : null };
  };
  const out = [...groups].map(([group, of]) => summary(group, of));
  if (groups.size > 1) out.push(summary('all', rows));
  return out;
}

/** The summary lines printed under the table. */
export function formatSummary(summaries: GroupSummary[]): string[] {
  return summaries.map((s) => {
    const of = `${s.compared} of ${s.cases} case${s.cases === 1 ? '' : 's'}`;
    if (s.geomean === null) return `${s.group}: no case compared with tfjs (${of})`;
    const verdict = s.geomean <= 1 ? `webgrad ${fix(1 / s.geomean, 2)}× faster` : `webgrad ${fix(s.geomean, 2)}× slower`;
    return `${s.group}: webgrad/tfjs time, geometric mean over ${of}: ${s.geomean.toPrecision(3)} (${verdict})`;
  });
}

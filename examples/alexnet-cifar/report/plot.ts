/**
 * The training curves as one SVG figure, two panels side by side like a matplotlib figure: loss
 * (train and test per epoch, and the per-step training loss when given) and test accuracy, each
 * with labelled axes, ticks, a grid and a legend.
 *
 *   await writeFile('curves.svg', trainingCurvesSvg(epochs, steps, { title: 'AlexNet on CIFAR-10' }));
 *
 * Every marker is a <circle> with `data-series` naming its curve (train-loss, test-loss,
 * test-accuracy), so tests and scripts can count points.
 */
import type { EpochMetrics, StepMetrics } from './metrics.js';
import { el, niceTicks, PALETTE, svgDocument, text, tickLabel } from './svg.js';

interface Series {
  id: string;
  name: string;
  color: string;
  points: [number, number][];
  markers: boolean;
  width: number;
  opacity?: number;
}

interface Panel {
  left: number;
  top: number;
  width: number;
  height: number;
  title: string;
  xLabel: string;
  yLabel: string;
  x: [number, number];
  y: [number, number];
  yClamp?: [number, number];
  series: Series[];
  legend: 'upper right' | 'lower right';
}

const WIDTH = 1000;
const HEIGHT = 430;

export function trainingCurvesSvg(epochs: EpochMetrics[], steps: StepMetrics[] = [], options: { title?: string } = {}): string {
  const lastEpoch = Math.max(1, ...epochs.map((e) => e.epoch), ...steps.map((s) => s.epoch));
  const lossSeries: Series[] = [];
  if (steps.length > 0) {
    lossSeries.push({ id: 'step-loss', name: 'train loss (step)', color: PALETTE[0], points: steps.map((s) => [s.epoch, s.loss]), markers: false, width: 0.8, opacity: 0.35 });
  }
  lossSeries.push(
    { id: 'train-loss', name: 'train loss (epoch)', color: PALETTE[0], points: epochs.map((e) => [e.epoch, e.trainLoss]), markers: true, width: 2 },
    { id: 'test-loss', name: 'test loss', color: PALETTE[1], points: epochs.map((e) => [e.epoch, e.testLoss]), markers: true, width: 2 },
  );
  const accuracy = epochs.map((e): [number, number] => [e.epoch, e.testAccuracy * 100]);
  const best = epochs.reduce<EpochMetrics | null>((b, e) => (Number.isFinite(e.testAccuracy) && (!b || e.testAccuracy > b.testAccuracy) ? e : b), null);

  const panelWidth = 400;
  const common = { top: 70, width: panelWidth, height: 290, xLabel: 'epoch', x: [steps.length > 0 ? 0 : Math.min(1, lastEpoch), lastEpoch] as [number, number] };
  const body = [
    text(WIDTH / 2, 30, options.title ?? 'Training curves', { 'text-anchor': 'middle', 'font-size': 17, 'font-weight': 'bold' }),
    drawPanel({ ...common, left: 75, title: 'Loss', yLabel: 'cross-entropy loss', y: range(lossSeries), yClamp: [0, Infinity], series: lossSeries, legend: 'upper right' }),
    drawPanel({
      ...common,
      left: 75 + panelWidth + 110,
      title: best ? `Test accuracy (best ${(best.testAccuracy * 100).toFixed(2)}% at epoch ${best.epoch})` : 'Test accuracy',
      yLabel: 'accuracy (%)',
      y: range([{ points: accuracy }]),
      yClamp: [0, 100],
      series: [{ id: 'test-accuracy', name: 'test accuracy', color: PALETTE[2], points: accuracy, markers: true, width: 2 }],
      legend: 'lower right',
    }),
  ];
  return svgDocument(WIDTH, HEIGHT, body.join('\n'));
}

/** One run of several drawn together (comparisonCurvesSvg). */
export interface NamedRun {
  name: string;
  epochs: EpochMetrics[];
  steps: StepMetrics[];
}

/**
 * Several runs on the same axes (the three initialisations, say): the per-step training loss of
 * each, with its test loss per epoch as markers, and each run's test accuracy per epoch.
 */
export function comparisonCurvesSvg(runs: NamedRun[], options: { title?: string } = {}): string {
  const lastEpoch = Math.max(1, ...runs.flatMap((r) => [...r.epochs.map((e) => e.epoch), ...r.steps.map((s) => s.epoch)]));
  const loss: Series[] = runs.flatMap((r, i) => [
    { id: `step-loss-${i}`, name: `${r.name}: train loss`, color: PALETTE[i % PALETTE.length], points: r.steps.map((s): [number, number] => [s.epoch, s.loss]), markers: false, width: 1.2, opacity: 0.8 },
    { id: `test-loss-${i}`, name: `${r.name}: test loss`, color: PALETTE[i % PALETTE.length], points: r.epochs.map((e): [number, number] => [e.epoch, e.testLoss]), markers: true, width: 0 },
  ]);
  const accuracy: Series[] = runs.map((r, i) => ({
    id: `test-accuracy-${i}`, name: r.name, color: PALETTE[i % PALETTE.length],
    points: r.epochs.map((e): [number, number] => [e.epoch, e.testAccuracy * 100]), markers: true, width: 2,
  }));
  const panelWidth = 400;
  const common = { top: 70, width: panelWidth, height: 290, xLabel: 'epoch', x: [0, lastEpoch] as [number, number] };
  const body = [
    text(WIDTH / 2, 30, options.title ?? 'Training curves', { 'text-anchor': 'middle', 'font-size': 17, 'font-weight': 'bold' }),
    drawPanel({ ...common, left: 75, title: 'Loss', yLabel: 'cross-entropy loss', y: headroom(range(loss)), yClamp: [0, Infinity], series: loss, legend: 'upper right' }),
    drawPanel({ ...common, left: 75 + panelWidth + 110, title: 'Test accuracy', yLabel: 'accuracy (%)', y: headroom(range(accuracy)), yClamp: [0, 100], series: accuracy, legend: 'upper right' }),
  ];
  return svgDocument(WIDTH, HEIGHT, body.join('\n'));
}

/** The range with room above the data for the legend. */
const headroom = ([lo, hi]: [number, number]): [number, number] => [lo, hi + (hi - lo) * 0.6];

function range(series: Pick<Series, 'points'>[]): [number, number] {
  const ys = series.flatMap((s) => s.points.map((p) => p[1])).filter(Number.isFinite);
  return ys.length > 0 ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
}

function drawPanel(p: Panel): string {
  // The x axis spans the data with a small margin, as matplotlib's does; ticks on whole epochs only.
  const margin = (p.x[1] - p.x[0]) * 0.04 || 0.5;
  const xLo = p.x[0] - margin;
  const xHi = p.x[1] + margin;
  const xTicks = niceTicks(p.x[0], p.x[1], 6).ticks.filter((t) => t >= xLo && t <= xHi && Number.isInteger(t));
  const pad = (p.y[1] - p.y[0]) * 0.05 || 0.05;
  let ys = niceTicks(p.y[0] - pad, p.y[1] + pad, 5);
  if (p.yClamp) {
    const ticks = ys.ticks.filter((t) => t >= p.yClamp![0] - 1e-9 && t <= p.yClamp![1] + 1e-9);
    ys = { lo: Math.max(ys.lo, p.yClamp[0]), hi: Math.min(ys.hi, p.yClamp[1]), ticks };
  }
  const sx = (v: number) => p.left + ((v - xLo) / (xHi - xLo || 1)) * p.width;
  const sy = (v: number) => p.top + p.height - ((v - ys.lo) / (ys.hi - ys.lo || 1)) * p.height;
  const bottom = p.top + p.height;
  const out: string[] = [];

  out.push(text(p.left + p.width / 2, p.top - 12, p.title, { 'text-anchor': 'middle', 'font-size': 14 }));
  for (const t of ys.ticks) {
    const y = sy(t);
    out.push(el('line', { x1: p.left, y1: y, x2: p.left + p.width, y2: y, stroke: '#e5e5e5', 'stroke-width': 1 }));
    out.push(el('line', { x1: p.left - 5, y1: y, x2: p.left, y2: y, stroke: '#333333' }));
    out.push(text(p.left - 8, y + 4, tickLabel(t), { 'text-anchor': 'end', class: 'y-tick' }));
  }
  for (const t of xTicks) {
    const x = sx(t);
    out.push(el('line', { x1: x, y1: p.top, x2: x, y2: bottom, stroke: '#e5e5e5', 'stroke-width': 1 }));
    out.push(el('line', { x1: x, y1: bottom, x2: x, y2: bottom + 5, stroke: '#333333' }));
    out.push(text(x, bottom + 19, tickLabel(t), { 'text-anchor': 'middle', class: 'x-tick' }));
  }
  out.push(el('rect', { x: p.left, y: p.top, width: p.width, height: p.height, fill: 'none', stroke: '#333333', 'stroke-width': 1 }));
  out.push(text(p.left + p.width / 2, bottom + 40, p.xLabel, { 'text-anchor': 'middle', 'font-size': 13, class: 'x-label' }));
  const yl = { x: p.left - 52, y: p.top + p.height / 2 };
  out.push(text(yl.x, yl.y, p.yLabel, { 'text-anchor': 'middle', 'font-size': 13, class: 'y-label', transform: `rotate(-90 ${yl.x} ${yl.y})` }));

  const clip = `clip-${p.left}`;
  out.push(el('clipPath', { id: clip }, el('rect', { x: p.left, y: p.top, width: p.width, height: p.height })));
  for (const s of p.series) {
    const attrs = { fill: 'none', stroke: s.color, 'stroke-width': s.width, 'stroke-linejoin': 'round', 'clip-path': `url(#${clip})`, 'data-series': s.id, ...(s.opacity ? { 'stroke-opacity': s.opacity } : {}) };
    // A NaN (a diverged loss) breaks the line instead of dragging it to a corner.
    for (const segment of segments(s.points)) {
      out.push(el('polyline', { ...attrs, points: segment.map(([x, y]) => `${round(sx(x))},${round(sy(y))}`).join(' ') }));
    }
    if (s.markers) {
      for (const [x, y] of s.points) {
        if (Number.isFinite(y)) out.push(el('circle', { cx: sx(x), cy: sy(y), r: 3.2, fill: s.color, stroke: '#ffffff', 'stroke-width': 0.8, 'data-series': s.id }));
      }
    }
  }
  out.push(legend(p, p.series));
  return el('g', { class: 'panel' }, out.join('\n'));
}

function legend(p: Panel, series: Series[]): string {
  const rowHeight = 18;
  const width = 8 + 26 + 6 + Math.max(...series.map((s) => s.name.length)) * 6.6 + 8;
  const height = series.length * rowHeight + 8;
  const x = p.left + p.width - width - 8;
  const y = p.legend === 'upper right' ? p.top + 8 : p.top + p.height - height - 8;
  const rows = series.map((s, i) => {
    const cy = y + 4 + rowHeight * i + rowHeight / 2;
    const line = el('line', { x1: x + 8, y1: cy, x2: x + 34, y2: cy, stroke: s.color, 'stroke-width': Math.max(s.width, 1.5), ...(s.opacity ? { 'stroke-opacity': Math.max(s.opacity, 0.5) } : {}) });
    const dot = s.markers ? el('circle', { cx: x + 21, cy, r: 3.2, fill: s.color }) : '';
    return line + dot + text(x + 40, cy + 4, s.name);
  });
  return el('g', { class: 'legend' }, [el('rect', { x, y, width, height, rx: 3, fill: '#ffffff', 'fill-opacity': 0.85, stroke: '#cccccc' }), ...rows].join(''));
}

function segments(points: [number, number][]): [number, number][][] {
  const out: [number, number][][] = [[]];
  for (const pt of points) {
    if (Number.isFinite(pt[1])) out[out.length - 1].push(pt);
    else if (out[out.length - 1].length > 0) out.push([]);
  }
  return out.filter((s) => s.length > 0);
}

const round = (v: number): string => String(Math.round(v * 100) / 100);

/**
 * Confusion matrices: counted from predictions, drawn as a shaded SVG grid (rows: true class,
 * columns: predicted class, shade: the fraction of the row) and as text for the terminal.
 *
 *   const m = confusionMatrix(predictions, labels, classes.length);
 *   console.log(confusionText(m, classes));
 *   await writeFile('confusion.svg', confusionSvg(m, classes, { title: 'Test set, epoch 30' }));
 */
import { el, escapeXml, svgDocument, text } from './svg.js';

/** m[true][predicted] counts. */
export function confusionMatrix(predictions: ArrayLike<number>, labels: ArrayLike<number>, classes: number): number[][] {
  if (predictions.length !== labels.length) throw new Error(`confusionMatrix: ${predictions.length} predictions but ${labels.length} labels`);
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    const p = predictions[i];
    if (!(t >= 0 && t < classes && p >= 0 && p < classes && Number.isInteger(t) && Number.isInteger(p))) {
      throw new Error(`confusionMatrix: item ${i} has label ${t} and prediction ${p}; both must be integers in [0, ${classes})`);
    }
    m[t][p]++;
  }
  return m;
}

const total = (m: number[][]) => m.reduce((s, row) => s + row.reduce((a, b) => a + b, 0), 0);
const correct = (m: number[][]) => m.reduce((s, row, i) => s + row[i], 0);

/** Shade of matplotlib's "Blues" colour map at t in [0, 1]. */
function blues(t: number): string {
  const stops = [[247, 251, 255], [198, 219, 239], [107, 174, 214], [33, 113, 181], [8, 48, 107]];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const c = stops[i].map((v, k) => Math.round(v + (stops[i + 1][k] - v) * f));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export function confusionSvg(m: number[][], classes: string[], options: { title?: string } = {}): string {
  const k = m.length;
  const cell = 46;
  const left = 130;
  const top = 100;
  const grid = cell * k;
  const width = left + grid + 120;
  const height = top + grid + 50;
  const n = total(m);
  const out: string[] = [];
  const title = options.title ?? 'Confusion matrix';
  const accuracy = n > 0 ? ` (accuracy ${((100 * correct(m)) / n).toFixed(2)}%)` : '';
  out.push(text(left + grid / 2, 28, title + accuracy, { 'text-anchor': 'middle', 'font-size': 16, 'font-weight': 'bold' }));
  out.push(text(left + grid / 2, top + grid + 32, 'predicted class', { 'text-anchor': 'middle', 'font-size': 13, class: 'x-label' }));
  const yl = { x: 24, y: top + grid / 2 };
  out.push(text(yl.x, yl.y, 'true class', { 'text-anchor': 'middle', 'font-size': 13, class: 'y-label', transform: `rotate(-90 ${yl.x} ${yl.y})` }));

  for (let i = 0; i < k; i++) {
    const rowTotal = m[i].reduce((a, b) => a + b, 0);
    const name = classes[i] ?? String(i);
    out.push(text(left - 8, top + cell * i + cell / 2 + 4, name, { 'text-anchor': 'end', class: 'row-label' }));
    const cx = left + cell * i + cell / 2;
    out.push(text(cx, top - 8, name, { 'text-anchor': 'start', class: 'col-label', transform: `rotate(-45 ${cx} ${top - 8})` }));
    for (let j = 0; j < k; j++) {
      const share = rowTotal > 0 ? m[i][j] / rowTotal : 0;
      const x = left + cell * j;
      const y = top + cell * i;
      const cellTitle = `true ${name}, predicted ${classes[j] ?? j}: ${m[i][j]} (${(share * 100).toFixed(1)}% of the row)`;
      out.push(el('rect', { x, y, width: cell, height: cell, fill: blues(share), stroke: '#ffffff', 'stroke-width': 1, class: 'cell' }, `<title>${escapeXml(cellTitle)}</title>`));
      out.push(text(x + cell / 2, y + cell / 2 + 4, String(m[i][j]), { 'text-anchor': 'middle', fill: share > 0.5 ? '#ffffff' : '#222222', 'font-size': 11, class: 'count' }));
    }
    const recall = rowTotal > 0 ? `${((100 * m[i][i]) / rowTotal).toFixed(1)}%` : '–';
    out.push(text(left + grid + 10, top + cell * i + cell / 2 + 4, recall, { class: 'recall', fill: '#444444' }));
  }
  out.push(text(left + grid + 10, top - 8, 'recall', { 'font-size': 11, fill: '#444444' }));
  out.push(el('rect', { x: left, y: top, width: grid, height: grid, fill: 'none', stroke: '#333333' }));
  return svgDocument(width, height, out.join('\n'));
}

/** A fixed-width table: rows true classes, columns predicted (class names cut to fit), recall per row and overall accuracy. */
export function confusionText(m: number[][], classes: string[]): string {
  const k = m.length;
  const short = classes.map((c) => c.slice(0, 5));
  const cw = Math.max(5, ...m.flat().map((v) => String(v).length)) + 1;
  const nameWidth = Math.max(10, ...classes.map((c) => c.length)) + 1;
  const lines = [`${'true \\ pred'.padEnd(nameWidth)}${short.map((c) => c.padStart(cw)).join('')}  recall`];
  for (let i = 0; i < k; i++) {
    const rowTotal = m[i].reduce((a, b) => a + b, 0);
    const recall = rowTotal > 0 ? `${((100 * m[i][i]) / rowTotal).toFixed(1)}%` : '-';
    lines.push(`${(classes[i] ?? String(i)).padEnd(nameWidth)}${m[i].map((v) => String(v).padStart(cw)).join('')}  ${recall.padStart(6)}`);
  }
  const n = total(m);
  lines.push(`accuracy ${n > 0 ? ((100 * correct(m)) / n).toFixed(2) : '-'}% (${correct(m)} / ${n})`);
  return lines.join('\n');
}

/** Small helpers for writing SVG by hand: escaping, number formatting, axis ticks, colours. */

/** matplotlib's default colour cycle ("tab10"). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
export const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Coordinates with two decimals: enough for a screen, short in the file. */
export const px = (v: number): string => String(Math.round(v * 100) / 100);

/** An SVG element with attributes (values escaped) and optional already-rendered children. */
export function el(name: string, attrs: Record<string, string | number>, children?: string): string {
  const a = Object.entries(attrs)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v)}"`)
    .join('');
  return children === undefined ? `<${name}${a}/>` : `<${name}${a}>${children}</${name}>`;
}

export const text = (x: number, y: number, content: string, attrs: Record<string, string | number> = {}): string =>
  el('text', { x, y, ...attrs }, escapeXml(content));

/** A document with a white background. */
export function svgDocument(width: number, height: number, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">\n` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n${body}\n</svg>\n`
  );
}

/** Round tick positions covering [lo, hi] (1, 2, 2.5 or 5 × a power of ten apart), about `target` of them. */
export function niceTicks(lo: number, hi: number, target = 5): { lo: number; hi: number; ticks: number[] } {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return { lo: 0, hi: 1, ticks: [0, 0.5, 1] };
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Ticks as whole multiples of the step, not sums of it: a sum that passes zero lands on 7e-18.
  const i0 = Math.floor(lo / step + 1e-9);
  const i1 = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let i = i0; i <= i1; i++) ticks.push(Number((i * step).toPrecision(12)));
  return { lo: ticks[0], hi: ticks[ticks.length - 1], ticks };
}

/** A tick label: no trailing zeros, no float noise. */
export const tickLabel = (v: number): string => String(Number(v.toPrecision(6)));

/**
 * Reports of a training run: metrics files (metrics.ts), the curves figure (plot.ts) and the
 * confusion matrix (confusion.ts). `writeFigures` renders both figures into a run's folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../../src/io/atomic-file.js';
import { UsageError } from '../../../scripts/cli.js';
import { confusionSvg } from './confusion.js';
import type { EpochMetrics, StepMetrics } from './metrics.js';
import { trainingCurvesSvg } from './plot.js';

export * from './metrics.js';
export { comparisonCurvesSvg, trainingCurvesSvg, type NamedRun } from './plot.js';
export { confusionMatrix, confusionSvg, confusionText } from './confusion.js';

export interface FigureInputs {
  epochs: EpochMetrics[];
  steps?: StepMetrics[];
  /** m[true][predicted] on the test set, with the class names. */
  confusion?: { matrix: number[][]; classes: string[]; title?: string };
  title?: string;
  /** Also write PNGs (rendered by @resvg/resvg-js; a UsageError saying what to install where it cannot load). */
  png?: boolean;
}

/** Writes curves.svg (and confusion.svg) into `dir`, replacing earlier ones atomically; returns the paths written. */
export async function writeFigures(dir: string, inputs: FigureInputs): Promise<string[]> {
  const written: string[] = [];
  const curves = join(dir, 'curves.svg');
  await writeFileAtomic(curves, trainingCurvesSvg(inputs.epochs, inputs.steps ?? [], { title: inputs.title }));
  written.push(curves);
  if (inputs.confusion) {
    const path = join(dir, 'confusion.svg');
    await writeFileAtomic(path, confusionSvg(inputs.confusion.matrix, inputs.confusion.classes, { title: inputs.confusion.title }));
    written.push(path);
  }
  if (inputs.png) {
    const render = await loadPngRenderer('--png');
    for (const svg of [...written]) {
      const png = svg.replace(/\.svg$/, '.png');
      await writeFileAtomic(png, render(await readFile(svg, 'utf8')));
      written.push(png);
    }
  }
  return written;
}

/** Renders an SVG document as PNG bytes, `zoom` pixels per SVG unit, on white. */
export type PngRenderer = (svg: string, zoom?: number) => Uint8Array;

/**
 * The PNG renderer: @resvg/resvg-js (a devDependency with prebuilt binaries for the common
 * platforms; no system library). Where it cannot load, a UsageError names `flag` and what to install,
 * so that a run refuses --png before it trains rather than after.
 */
export async function loadPngRenderer(flag: string): Promise<PngRenderer> {
  let Resvg: typeof import('@resvg/resvg-js').Resvg;
  try {
    ({ Resvg } = await import('@resvg/resvg-js'));
  } catch (error) {
    const why = (error as Error).message.split('\n')[0];
    throw new UsageError(`${flag} needs the npm package @resvg/resvg-js with its binary for ${process.platform}-${process.arch} (npm install --save-dev @resvg/resvg-js): ${why}`);
  }
  return (svg, zoom = 2) =>
    new Resvg(svg, { fitTo: { mode: 'zoom', value: zoom }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
}

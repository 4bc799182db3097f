/**
 * Reports of a training run: metrics files (metrics.ts), the curves figure (plot.ts) and the
 * confusion matrix (confusion.ts). `writeFigures` renders both figures into a run's folder.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { writeFileAtomic } from '../../../src/io/atomic-file.js';
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
  /** Also write PNGs when `rsvg-convert` (Debian: librsvg2-bin) is installed; skipped silently otherwise. */
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
    for (const svg of [...written]) {
      const png = svg.replace(/\.svg$/, '.png');
      if (await svgToPng(svg, png)) written.push(png);
    }
  }
  return written;
}

/** Renders an SVG file to PNG with `rsvg-convert`; false when it is not installed or fails. */
export async function svgToPng(svg: string, png: string, zoom = 2): Promise<boolean> {
  try {
    await promisify(execFile)('rsvg-convert', ['--zoom', String(zoom), '--background-color', 'white', '-o', png, svg]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Training metrics on disk, one line per record so that a crash loses at most the line being written:
 *   metrics.csv    epoch,train_loss,test_loss,test_accuracy,lr,seconds,images_per_s   (spreadsheets)
 *   metrics.jsonl  the same records as JSON objects, one per line                     (programs)
 *   steps.jsonl    {"step", "epoch", "loss", "lr"} per optimizer step                  (step-level curves)
 *
 *   const metrics = await MetricsWriter.open(outDir);            // { resume: true } appends
 *   await metrics.step({ step, epoch: e - 1 + (b + 1) / batches, loss });
 *   await metrics.epoch({ epoch: e, trainLoss, testLoss, testAccuracy, lr, seconds, imagesPerSecond });
 *   const { epochs, steps } = await readMetrics(outDir);          // for plots
 */
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  testLoss: number;
  /** Fraction correct, 0–1. */
  testAccuracy: number;
  lr: number;
  /** Wall time of the epoch (training and evaluation). */
  seconds: number;
  /** Training images per second. */
  imagesPerSecond: number;
}

export interface StepMetrics {
  step: number;
  /** Fractional epoch at the end of the step (epoch e's last step is e), for plotting beside epoch curves. */
  epoch: number;
  loss: number;
  lr?: number;
}

/** CSV column names, in order, and the record field each holds. */
export const CSV_COLUMNS: [string, keyof EpochMetrics][] = [
  ['epoch', 'epoch'],
  ['train_loss', 'trainLoss'],
  ['test_loss', 'testLoss'],
  ['test_accuracy', 'testAccuracy'],
  ['lr', 'lr'],
  ['seconds', 'seconds'],
  ['images_per_s', 'imagesPerSecond'],
];

export const METRICS_FILES = { csv: 'metrics.csv', jsonl: 'metrics.jsonl', steps: 'steps.jsonl' } as const;

export class MetricsWriter {
  private constructor(readonly dir: string) {}

  /** Creates `dir` and starts fresh files, or with `resume` appends to the existing ones. */
  static async open(dir: string, options: { resume?: boolean } = {}): Promise<MetricsWriter> {
    await mkdir(dir, { recursive: true });
    const header = CSV_COLUMNS.map(([name]) => name).join(',') + '\n';
    const csv = join(dir, METRICS_FILES.csv);
    const existing = options.resume ? await readFile(csv, 'utf8').catch(() => '') : '';
    if (!existing.startsWith(header)) {
      await writeFile(csv, header);
      await writeFile(join(dir, METRICS_FILES.jsonl), '');
      await writeFile(join(dir, METRICS_FILES.steps), '');
    }
    return new MetricsWriter(dir);
  }

  async epoch(m: EpochMetrics): Promise<void> {
    const row = CSV_COLUMNS.map(([, key]) => formatNumber(m[key])).join(',');
    await appendFile(join(this.dir, METRICS_FILES.csv), row + '\n');
    await appendFile(join(this.dir, METRICS_FILES.jsonl), JSON.stringify(pick(m)) + '\n');
  }

  async step(m: StepMetrics): Promise<void> {
    const record: StepMetrics = { step: m.step, epoch: m.epoch, loss: m.loss };
    if (m.lr !== undefined) record.lr = m.lr;
    await appendFile(join(this.dir, METRICS_FILES.steps), JSON.stringify(record) + '\n');
  }
}

/** Reads back what a MetricsWriter wrote (epochs from metrics.jsonl, steps from steps.jsonl); missing files read as empty. */
export async function readMetrics(dir: string): Promise<{ epochs: EpochMetrics[]; steps: StepMetrics[] }> {
  const lines = async (file: string) =>
    (await readFile(join(dir, file), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.trim() !== '')
      // JSON has no NaN or Infinity: a diverged loss was written as null and reads back as NaN.
      .map((l) => JSON.parse(l, (_key, v) => (v === null ? Number.NaN : v)));
  return { epochs: await lines(METRICS_FILES.jsonl), steps: await lines(METRICS_FILES.steps) };
}

/** Parses metrics.csv text back into records. */
export function parseMetricsCsv(text: string): EpochMetrics[] {
  const [head, ...rows] = text.split('\n').filter((l) => l.trim() !== '');
  const names = head.split(',');
  return rows.map((row) => {
    const cells = row.split(',');
    const record = {} as Record<keyof EpochMetrics, number>;
    for (const [name, key] of CSV_COLUMNS) record[key] = parseNumber(cells[names.indexOf(name)]);
    return record;
  });
}

function pick(m: EpochMetrics): EpochMetrics {
  const out = {} as Record<keyof EpochMetrics, number>;
  for (const [, key] of CSV_COLUMNS) out[key] = m[key];
  return out;
}

const parseNumber = (cell: string | undefined): number =>
  cell === 'inf' ? Infinity : cell === '-inf' ? -Infinity : cell === undefined || cell === 'nan' ? Number.NaN : Number(cell);

/** Shortest text that reads back as the same float64 (so CSV and JSONL agree exactly). */
const formatNumber = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : v < 0 ? '-inf' : 'nan');

// The bench's results as JSON records: each case as --json's file lists it, and --jsonl's lines,
// appended as they come (one write each), so that a run killed midway (a GPU lease's time cap)
// leaves every finished case readable.
import { appendFileSync } from 'node:fs';
import type { Row } from './table.js';

/** A row as a JSON record: every figure measured, nothing for what was not. */
export function caseRecord(r: Row): Record<string, unknown> {
  return {
    name: r.name,
    shape: r.shape,
    ...(r.note ? { note: r.note } : {}),
    webgrad: r.webgrad,
    tfjs: r.tfjs,
    ...(r.tfjsError ? { tfjsError: r.tfjsError } : {}),
    ratio: r.ratio,
    cpuRatio: r.cpuRatio,
    ...(r.profile ? { profile: r.profile } : {}),
  };
}

/** Appends `record` to `file` as one line of JSON, written before it returns. */
export function appendJsonLine(file: string, record: Record<string, unknown>): void {
  appendFileSync(file, `${JSON.stringify(record)}\n`);
}

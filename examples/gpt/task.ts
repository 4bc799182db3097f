import { mulberry32 } from '../../src/data/shuffle.js';
/**
 * The synthetic tasks, as minGPT's demos: nothing to download. `reference/task.py` is the same
 * generator in Python (the same seeds give the same problems and batches).
 *
 * - sort: `length` digits below `digits` (minGPT: 6 digits of 0–2), then the same digits sorted.
 * - add: two `digits`-digit numbers a and b, then a + b written in digits+1 digits, reversed
 *   (least significant first, as minGPT's adder: each output digit depends on what came before).
 *
 * A problem is a sequence of `promptLength + answerLength` tokens; the model reads all but the
 * last and is scored only on the answer positions.
 */

export type TaskName = 'sort' | 'add';
export const TASK_NAMES: readonly TaskName[] = ['sort', 'add'];

export interface Task {
  name: TaskName;
  vocab: number;
  promptLength: number;
  answerLength: number;
  /** Every possible problem's id is in [0, count). */
  count: number;
  /** The tokens of problem `id`: prompt then answer. */
  sequence(id: number): number[];
}

/** mulberry32 (the library's, src/data/shuffle.ts) as uint32s: the same stream as task.py's. */
export function generator(seed: number): () => number {
  const next = mulberry32(seed);
  // mulberry32 divides its uint32 by 2^32, which a double undoes exactly.
  return () => next() * 4294967296;
}

export function makeTask(name: TaskName, options: { length?: number; digits?: number } = {}): Task {
  if (name === 'sort') {
    const length = options.length ?? 6;
    const digits = options.digits ?? 3;
    return {
      name, vocab: digits, promptLength: length, answerLength: length, count: digits ** length,
      sequence(id) {
        const prompt = Array.from({ length }, (_, i) => Math.floor(id / digits ** i) % digits);
        return [...prompt, ...[...prompt].sort((x, y) => x - y)];
      },
    };
  }
  const digits = options.digits ?? 2;
  const base = 10 ** digits;
  const toDigits = (v: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.floor(v / 10 ** (n - 1 - i)) % 10);
  return {
    name, vocab: 10, promptLength: 2 * digits, answerLength: digits + 1, count: base * base,
    sequence(id) {
      const a = Math.floor(id / base);
      const b = id % base;
      return [...toDigits(a, digits), ...toDigits(b, digits), ...toDigits(a + b, digits + 1).reverse()];
    },
  };
}

/**
 * The held-out problems: a seeded shuffle of every id, its first `testFraction` (at least one,
 * at most 1000) kept for testing, the rest for training.
 */
export function splitProblems(task: Task, seed: number, testFraction = 0.2): { train: number[]; test: number[] } {
  const ids = Array.from({ length: task.count }, (_, i) => i);
  const next = generator(seed);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = next() % (i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  const nTest = Math.min(1000, Math.max(1, Math.floor(task.count * testFraction)));
  return { test: ids.slice(0, nTest), train: ids.slice(nTest) };
}

/** A batch as the model reads it: inputs [batch, T] and the answers' targets [batch, answerLength], row-major. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batch: number;
}

export function makeBatch(task: Task, ids: readonly number[]): Batch {
  const t = task.promptLength + task.answerLength - 1;
  const inputs = new Int32Array(ids.length * t);
  const targets = new Int32Array(ids.length * task.answerLength);
  ids.forEach((id, r) => {
    const s = task.sequence(id);
    inputs.set(s.slice(0, t), r * t);
    targets.set(s.slice(task.promptLength), r * task.answerLength);
  });
  return { inputs, targets, batch: ids.length };
}

/** Draws training batches: `batch` ids from `train` with replacement, from a seeded generator. */
export function batchSampler(train: readonly number[], batch: number, seed: number): () => number[] {
  const next = generator(seed);
  return () => Array.from({ length: batch }, () => train[next() % train.length]);
}

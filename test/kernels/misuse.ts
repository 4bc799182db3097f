// Misuse as a new user would commit it: each case must throw a WebgradError, before any GPU work,
// whose message names the argument (and the shapes or values at fault). The cases are in one file
// per op family (misuse-*.test.ts here, test/autograd/misuse.test.ts, test/nn/misuse.test.ts); this
// module makes the tensors they use and runs them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

/** The tensors the cases use, by name. */
export type MisuseTensors = Record<string, wg.Tensor>;

export type Case = [name: string, run: () => unknown, ...patterns: RegExp[]];

/** Runs `f` with storage bindings limited to 4096 bytes (the policy's bindingLimit, as a small device's). */
export const limited = (f: () => unknown) => () => wg.withPolicy({ bindingLimit: 4096 }, f);
/** The same on conv2d's column path (a GPU's default, the implicit kernels, binds no columns). */
export const columnsLimited = (f: () => unknown) => () => wg.withPolicy({ bindingLimit: 4096, conv: 'im2col' }, f);

/**
 * A describe whose one test runs every case of `cases` (given the tensors, made once per file and
 * disposed at its end): each must throw a WebgradError matching its patterns, and the device must
 * stay usable.
 */
export function describeMisuse(title: string, cases: (t: MisuseTensors) => Case[]): void {
  let t: MisuseTensors;
  beforeAll(async () => {
    await setupDevice();
    t = {
      a23: wg.tensor([1, 2, 3, 4, 5, 6], [2, 3]),
      b34: wg.rand([3, 4], { seed: 1 }),
      b45: wg.rand([4, 5], { seed: 2 }),
      v3: wg.tensor([1, 2, 3]),
      i3: wg.tensor([0, 1, 2], [3], { dtype: 'int32' }),
      i23: wg.tensor([1, 2, 3, 4, 5, 6], [2, 3], { dtype: 'int32' }),
      img: wg.rand([1, 2, 5, 5], { seed: 3 }),
      w4: wg.rand([3, 2, 3, 3], { seed: 4 }),
      empty: wg.zeros([0]),
      empty20: wg.zeros([2, 0]),
      logits: wg.rand([3, 4], { seed: 5 }),
      lin: wg.rand([2, 3], { seed: 6 }),
      dead: wg.ones([2, 2]),
      // Larger than the 4096-byte binding limit the cases below set (1600, 2000 and 1215 elements).
      big: wg.rand([40, 40], { seed: 7 }),
      wide: wg.rand([2, 1000], { seed: 8 }),
      row: wg.rand([1000], { seed: 9 }),
      planes: wg.rand([3, 5, 9, 9], { seed: 10 }),
      samples: wg.rand([2, 1000, 1, 1], { seed: 11 }),
      i40: wg.tensor(new Int32Array(40), [40], { dtype: 'int32' }),
      words: wg.tensor(new Int32Array(1200), [1200], { dtype: 'int32' }),
      // A 3×3 convolution of this has 18 × 144 floats of columns per sample (10 KiB); 1728 floats a sample.
      convImg: wg.rand([1, 2, 12, 12], { seed: 12 }),
      convBig: wg.rand([2, 3, 24, 24], { seed: 13 }),
      w1: wg.rand([1, 3, 1, 1], { seed: 14 }),
    };
    t.dead.dispose();
  });
  afterAll(() => {
    for (const x of Object.values(t)) x.dispose();
  });

  describe(`misuse: ${title}`, () => {
    it('every case throws a WebgradError naming what is wrong, and the device stays usable', async () => {
      const failures: string[] = [];
      const list = cases(t);
      expect(list.length).toBeGreaterThan(0);
      for (const [name, run, ...patterns] of list) {
        let error: unknown = null;
        try {
          const result = run();
          if (result instanceof Promise) await result;
        } catch (e) {
          error = e;
        }
        if (!(error instanceof wg.WebgradError)) {
          failures.push(`${name}: ${error ? `threw ${(error as Error).name}: ${(error as Error).message}` : 'did not throw'}`);
          continue;
        }
        for (const p of patterns) if (!p.test(error.message)) failures.push(`${name}: message "${error.message}" does not match ${p}`);
      }
      expect(failures).toEqual([]);
      // Nothing failed on the device meanwhile.
      expect(await wg.sum(t.a23).item()).toBe(21);
    });
  });
}

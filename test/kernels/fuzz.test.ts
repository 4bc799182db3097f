// Every public op on generated samples (empty and size-1 dimensions, broadcasting, inputs through
// permute/slice/expand, ±inf, NaN, denormals, large magnitudes) against a float64 reference with
// PyTorch 1.13's semantics. WEBGRAD_FUZZ_RUNS sets the cases per op (12; gradients half as many), WEBGRAD_FUZZ_SEED the seed
// (26), WEBGRAD_FUZZ_OPS a regular expression of the ops to run; a failure prints the shrunk sample.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';
import { OP_TABLE } from './fuzz/table.js';
import { checkForward, fuzz } from './fuzz/run.js';

let liveAtStart = 0;
beforeAll(async () => {
  await setupDevice();
  liveAtStart = wg.memory().liveBuffers;
});

const only = new RegExp(process.env.WEBGRAD_FUZZ_OPS ?? '');

describe('every public op against its float64 reference', () => {
  for (const entry of OP_TABLE.filter((e) => only.test(e.name))) {
    it(entry.name, () => fuzz(entry.sample, (s) => checkForward(entry, s)));
  }

  it('leaves no tensor behind (refused calls and failures included)', () => {
    expect(wg.memory().liveBuffers).toBe(liveAtStart);
  });
});

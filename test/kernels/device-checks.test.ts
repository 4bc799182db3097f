// Values only the GPU sees (labels out of range): reported at the next readback, naming the op and its call.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { expectClose, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('device checks', () => {
  it('crossEntropy with an int32 label out of range: a WebgradError naming crossEntropy at the next readback, then the device works', async () => {
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const labels = wg.tensor([1, 3], [2], { dtype: 'int32' });
    const loss = wg.crossEntropy(logits, labels);
    await expect(loss.item()).rejects.toThrow(wg.WebgradError);
    const again = wg.crossEntropy(logits, wg.tensor([1, -2], [2], { dtype: 'int32' }));
    await expect(again.item()).rejects.toThrow(/crossEntropy: labels\[1\] = -2 is not a class index in \[0, 3\)/);
    // The check is cleared once reported: a good batch reads back.
    const good = wg.crossEntropy(logits, wg.tensor([1, 2], [2], { dtype: 'int32' }));
    const lse = Math.log(Math.exp(0.1) + Math.exp(0.2) + Math.exp(0.3));
    expectClose([await good.item()], [(lse - 0.2 + lse - 0.3) / 2], 1e-5);
    const counted = wg.countCorrect(logits, labels);
    await expect(counted.item()).rejects.toThrow(/countCorrect: labels\[1\] = 3 is not a class index in \[0, 3\)/);
    for (const t of [logits, labels, loss, again, good, counted]) t.dispose();
  });

  it("a deferred check names the op and which of its calls since init() (a loop's step) found the bad value", async () => {
    await wg.release();
    await setupDevice();
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const good = wg.tensor([1, 2], [2], { dtype: 'int32' });
    const bad = wg.tensor([1, 3], [2], { dtype: 'int32' });
    // A loop reading each step's loss: step 4's bad label is reported at step 4's readback, as call 4.
    for (let step = 1; step <= 4; step++) {
      const loss = wg.crossEntropy(logits, step === 4 ? bad : good);
      if (step < 4) expect(Number.isFinite(await loss.item())).toBe(true);
      else await expect(loss.item()).rejects.toThrow(/^webgrad: crossEntropy: labels\[1\] = 3 is not a class index in \[0, 3\).*found on the GPU in crossEntropy call 4 since init\(\)/);
      loss.dispose();
    }
    // Two calls between readbacks: the error says it was one of them.
    wg.crossEntropy(logits, good).dispose();
    const late = wg.crossEntropy(logits, bad);
    await expect(late.item()).rejects.toThrow(/one of crossEntropy calls 5–6 since init\(\) \(those recorded since the previous readback of values\), reported at this readback/);
    late.dispose();
    // indexSelect and gather count their own calls.
    const x = wg.tensor([1, 2, 3], [3]);
    const picked = wg.indexSelect(x, 0, wg.tensor([0, 7], [2], { dtype: 'int32' }));
    await expect(picked.toArray()).rejects.toThrow(/^webgrad: indexSelect: index\[1\] = 7 is out of range \[0, 3\).*indexSelect call 1 since init\(\)/);
    const gathered = wg.gather(x, 0, wg.tensor([-1], [1], { dtype: 'int32' }));
    await expect(gathered.toArray()).rejects.toThrow(/^webgrad: gather: index element 0 \(row-major\) = -1 is out of range \[0, 3\).*gather call 1 since init\(\)/);
    for (const t of [logits, good, bad, late, x, picked, gathered]) t.dispose();
  });

  it("the library's own readbacks (timings) leave a bad label for the user's next readback", async () => {
    const logits = wg.tensor([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [2, 3]);
    const labels = wg.tensor([1, 3], [2], { dtype: 'int32' });
    const loss = wg.crossEntropy(logits, labels);
    // As the GEMM autotuner and the profiler read their timestamps.
    expectClose(new Float32Array(await runtime().read(logits.buffer, 8)), [0.1, 0.2], 1e-7);
    await expect(loss.item()).rejects.toThrow(/crossEntropy: labels\[1\] = 3 is not a class index in \[0, 3\)/);
    for (const t of [logits, labels, loss]) t.dispose();
  });
});

import { describe, expect, it } from 'vitest';
import { Waiter } from '../src/kernels/waiter.js';

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('Waiter (adaptive)', () => {
  it('learns how long work takes, and a far longer wait grows the estimate at most fourfold', async () => {
    const w = new Waiter('adaptive');
    w.submitted();
    await w.wait(() => delay(20));
    const first = w.expectedMs;
    expect(first).toBeGreaterThanOrEqual(19);
    // An outlier, such as a wait across a suspended process, must not make the next wait sleep as long.
    const outlier = Math.max(400, 8 * first);
    w.submitted();
    await w.wait(() => delay(outlier));
    expect(w.expectedMs).toBe(4 * first);
    // Work that really takes longer is still learnt, a wait at a time.
    w.submitted();
    await w.wait(() => delay(outlier));
    expect(w.expectedMs).toBeGreaterThan(4 * first);
  });

  it('after sleeping past work that was already done, starts again from what it knew before sleeping', async () => {
    const w = new Waiter('adaptive');
    w.submitted();
    await w.wait(() => delay(1000));
    expect(w.expectedMs).toBeGreaterThanOrEqual(999);
    // The next work is short: the wait sleeps ~800 ms, then its call returns within its polling
    // latency (here a 5 ms timer, which a loaded machine may stretch to a few tens).
    w.submitted();
    await w.wait(() => delay(5));
    expect(w.expectedMs).toBeLessThan(100);
  });
});

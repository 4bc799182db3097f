import { describe, expect, it } from 'vitest';
import { Waiter } from '../../src/runtime/waiter.js';

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

  it('neither sleeps for nor raises its estimate from a wait on work that compiled new pipelines', async () => {
    const w = new Waiter('adaptive');
    w.submitted();
    await w.wait(() => delay(20));
    const learnt = w.expectedMs;
    // A first-use compile of seconds, here 300 ms: the estimate stays that of the steady work.
    w.submitted();
    await w.wait(() => delay(300), true);
    expect(w.expectedMs).toBe(learnt);
    // And it starts its call at once: a wait on work already done returns without sleeping.
    w.submitted();
    const t0 = performance.now();
    await w.wait(() => Promise.resolve(), true);
    expect(performance.now() - t0).toBeLessThan(Math.max(5, 0.8 * learnt));
    // Work that was quick (compiles from a warm cache) lowers it to its own time.
    expect(w.expectedMs).toBeLessThan(learnt);
  });

  it('after sleeping past work that was already done, shrinks its estimate by a fifth, then faster', async () => {
    const w = new Waiter('adaptive');
    w.submitted();
    await w.wait(() => delay(200));
    const learnt = w.expectedMs;
    expect(learnt).toBeGreaterThanOrEqual(199);
    // The next work is done at once: the wait sleeps ~160 ms, then its call returns. One such wait
    // in a steady loop must not leave the next waits polling from the start; a run of them must
    // bring the sleeps down soon.
    const done = () => Promise.resolve();
    w.submitted();
    await w.wait(done);
    expect(w.expectedMs).toBeCloseTo(0.8 * learnt, 5);
    w.submitted();
    await w.wait(done);
    expect(w.expectedMs).toBeCloseTo(0.8 * 0.64 * learnt, 5);
    // Work that is measured again ends the run.
    // (The wait sleeps first, ~80 ms, and here the work starts only after it: ~230 ms in all.)
    w.submitted();
    await w.wait(() => delay(150));
    const measured = w.expectedMs;
    expect(measured).toBeGreaterThanOrEqual(149);
    w.submitted();
    await w.wait(done);
    expect(w.expectedMs).toBeCloseTo(0.8 * measured, 5);
  });
});

import { describe, expect, it } from 'vitest';
import { COMPILE_NOTICE, CompileNotice, type Schedule } from '../../src/runtime/compile-notice.js';

// No device and no real time: the clock and the timer are injected.
function harness(enabled = true) {
  const lines: string[] = [];
  let clock = 0;
  const timers: { fn: () => void; at: number; cancelled: boolean }[] = [];
  const schedule: Schedule = (fn, ms) => {
    const t = { fn, at: clock + ms, cancelled: false };
    timers.push(t);
    return () => void (t.cancelled = true);
  };
  const notice = new CompileNotice(enabled, (l) => lines.push(l), 3000, schedule, () => clock);
  /** A wait for the GPU that lasts `ms`, firing the timers due meanwhile. */
  const wait = (ms: number) =>
    notice.during(async () => {
      clock += ms;
      for (const t of timers) if (!t.cancelled && t.at <= clock) t.fn();
      return ms;
    });
  return { notice, lines, wait, advance: (ms: number) => void (clock += ms) };
}

describe('the compile notice', () => {
  it('prints one line when a wait is still going 3 s after new pipelines were created, once only', async () => {
    const h = harness();
    h.notice.pipelineCreated();
    h.advance(1000);
    expect(await h.wait(2500)).toBe(2500);
    expect(h.lines).toEqual([COMPILE_NOTICE]);
    h.notice.pipelineCreated();
    await h.wait(5000);
    expect(h.lines).toEqual([COMPILE_NOTICE]);
  });

  it('says nothing for a short first step, for long waits without new pipelines, or when turned off', async () => {
    const h = harness();
    h.notice.pipelineCreated();
    await h.wait(2900);
    await h.wait(10_000);
    expect(h.lines).toEqual([]);
    const off = harness(false);
    off.notice.pipelineCreated();
    await off.wait(10_000);
    expect(off.lines).toEqual([]);
  });
});

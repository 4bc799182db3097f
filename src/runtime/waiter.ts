/**
 * How the runtime waits for the GPU. While a `mapAsync` or `onSubmittedWorkDone` promise is pending,
 * dawn.node polls on the main thread and takes most of a core, which a CPU adapter such as lavapipe
 * needs for its own workers. 'adaptive' sleeps for most of the GPU time that recent waits took
 * before it starts the awaited call; 'spin' awaits at once.
 */
export type WaitMode = 'adaptive' | 'spin';

/**
 * Shorter sleeps are not taken: freeing the core for a millisecond or two gains little, while
 * sleeping past such work costs as long again (a short product's wait triples).
 */
const MIN_SLEEP_MS = 5;

export class Waiter {
  private lastSubmit = 0;
  private expected = 0;
  /** Waits in a row that found the work already done. */
  private oversleeps = 0;

  constructor(private readonly mode: WaitMode) {}

  /** How long after its submit the last wait's work was done, in ms (0: no estimate yet). */
  get expectedMs(): number {
    return this.expected;
  }

  submitted(): void {
    this.lastSubmit = performance.now();
  }

  /**
   * Waits for `start()`'s promise. A wait for work that used new pipelines (`compiling`) does not
   * sleep and can only lower the estimate: a driver that compiles at first use (lavapipe) makes it
   * seconds long, and the steps after it, on the same pipelines, would each sleep for most of that;
   * where the compiles were quick (a warm shader cache), it is the work's own time.
   */
  async wait(start: () => Promise<unknown>, compiling = false): Promise<void> {
    if (compiling) {
      await start();
      this.expected = Math.min(this.expected, performance.now() - this.lastSubmit);
      return;
    }
    const before = performance.now() - this.lastSubmit;
    const sleep = this.mode === 'adaptive' ? 0.8 * this.expected - before : 0;
    if (sleep >= MIN_SLEEP_MS) await new Promise((resolve) => setTimeout(resolve, sleep));
    const t0 = performance.now();
    await start();
    const awaited = performance.now() - t0;
    // Work already done when the sleep ended (the awaited call returned within its polling
    // latency: a few ms, or 5% of the sleep) says only that it took at most the sleep. One such
    // wait in a steady loop shrinks the estimate by a fifth, not to nothing (which would make the
    // next waits poll, taking a core from a CPU adapter's workers, all the way through); each further
    // one in a row shrinks it faster (0.8, 0.64, 0.51, … of what is left), so that after one long
    // operation the short ones soon stop sleeping for it.
    const overslept = sleep >= MIN_SLEEP_MS && awaited < Math.max(1, 0.05 * sleep);
    if (overslept) {
      this.oversleeps++;
      this.expected = Math.max(before, 0.8 ** this.oversleeps * this.expected);
      return;
    }
    this.oversleeps = 0;
    const took = performance.now() - this.lastSubmit;
    // A wait far longer than the last (a first-use compile, the process suspended) grows the
    // estimate at most fourfold per wait: one outlier must not make the next wait sleep for it.
    this.expected = this.expected > 0 ? Math.min(took, 4 * this.expected) : took;
  }
}

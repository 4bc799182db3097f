/**
 * The one line that says, once per runtime, that GPU kernels are being compiled: on a first run a
 * driver compiles each new pipeline (lavapipe when first dispatched, for up to seconds each), and a
 * first step that takes long with nothing printed looks like a hang. It is printed when a wait for
 * the GPU is still going `thresholdMs` after the first pipeline created since the previous wait.
 */
export const COMPILE_NOTICE =
  'webgrad: compiling GPU kernels for this device (a first run; the driver caches them, so later runs start faster)';

/** Starts a timer and returns what cancels it (setTimeout's by default; tests inject their own). */
export type Schedule = (fn: () => void, ms: number) => () => void;

const realSchedule: Schedule = (fn, ms) => {
  const t = setTimeout(fn, ms);
  return () => clearTimeout(t);
};

export class CompileNotice {
  private shown = false;
  /** When the first pipeline created since the last wait was created (null: none). */
  private firstNew: number | null = null;

  constructor(
    private readonly enabled: boolean,
    private readonly write: (line: string) => void = (line) => console.warn(line),
    private readonly thresholdMs = 3000,
    private readonly schedule: Schedule = realSchedule,
    private readonly now: () => number = () => performance.now(),
  ) {}

  pipelineCreated(): void {
    this.firstNew ??= this.now();
  }

  /** Runs `wait` (a wait for the GPU), printing the notice if it is still waiting past the threshold. */
  async during<T>(wait: () => Promise<T>): Promise<T> {
    const since = this.firstNew;
    this.firstNew = null;
    if (!this.enabled || this.shown || since === null) return wait();
    const cancel = this.schedule(() => {
      if (this.shown) return;
      this.shown = true;
      this.write(COMPILE_NOTICE);
    }, Math.max(0, this.thresholdMs - (this.now() - since)));
    try {
      return await wait();
    } finally {
      cancel();
    }
  }
}

// The opt-in leak check (`init({ debug: true })`, or WEBGRAD_DEBUG=1 in Node): it names the op that
// made each tensor, counts live buffers at each optimizer step, and warns once when they grew at each
// of the last few steps, saying which ops made the tensors that outlived their step.

/** Consecutive steps of growth that make a leak (a first step that creates optimizer state grows once). */
export const LEAK_STEPS = 3;

/** What the check records of a tensor it tracks: the op that made it, and the step it was made in. */
interface Origin {
  op: string;
  step: number;
}

/**
 * The public op whose call made a tensor, from the call stack: the outermost frame inside webgrad
 * (src/ or dist/, below the runtime and the tensor class) before the caller's code, as
 * `add`, `Linear.forward` or `SGD.step`. Debug mode only: a stack costs microseconds.
 */
export function callerOp(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const lines = stack.split('\n').slice(1);
  let name = 'unknown';
  let inside = false;
  for (const line of lines) {
    const m = /at (?:async )?(?:(\S+) \()?(.*?)(?::\d+:\d+)?\)?$/.exec(line.trim());
    if (!m) continue;
    const [, fn, file] = m;
    // Native frames (Array.prototype.forEach's) sit between webgrad's own: look through them.
    if (file === '<anonymous>' || file === 'native') continue;
    const ours = /[/\\](?:src|dist)[/\\](?:(?:ops|layers|optim|data|autograd|graph|io|tensor|kernels|runtime|device|session)[/\\]|methods\.)/.test(file);
    if (!ours) {
      if (inside) break;
      continue;
    }
    inside = true;
    // Below the ops, and the Tensor methods' wrappers (named by the op they call).
    const kernel = /[/\\](?:tensor|graph|kernels|runtime|device)[/\\]|[/\\](?:src|dist)[/\\]methods\./.test(file);
    if (!kernel && fn && fn !== '<anonymous>') name = fn === 'runBackward' ? 'backward' : fn.replace(/^(?:Module|Object)\./, '');
  }
  return name;
}

export class LeakCheck {
  private readonly origins = new Map<object, Origin>();
  private readonly history: number[] = [];
  private steps = 0;
  private warned = false;

  constructor(
    private readonly liveBuffers: () => number,
    private readonly warn: (message: string) => void = (m) => console.warn(m),
  ) {}

  /** The op that made `t` (see callerOp), recorded while it lives. */
  created(t: object): string {
    const op = callerOp();
    this.origins.set(t, { op, step: this.steps });
    return op;
  }

  disposed(t: object): void {
    this.origins.delete(t);
  }

  /** Called by each optimizer step: counts live buffers, and warns once when they grew at each of the last LEAK_STEPS steps. */
  step(): void {
    this.history.push(this.liveBuffers());
    if (this.history.length > LEAK_STEPS + 1) this.history.shift();
    this.steps++;
    const grew = this.history.length === LEAK_STEPS + 1 && this.history.every((v, i) => i === 0 || v > this.history[i - 1]);
    if (!grew || this.warned) return;
    this.warned = true;
    // Tensors made during those steps (the last one aside: its loss may still wait to be read) that still live.
    const counts = new Map<string, number>();
    for (const { op, step } of this.origins.values()) {
      if (step >= this.steps - LEAK_STEPS && step < this.steps - 1) counts.set(op, (counts.get(op) ?? 0) + 1);
    }
    const made = [...counts].sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} (${n})`).join(', ');
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    this.warn(
      `webgrad (debug): live GPU buffers grew at each of the last ${LEAK_STEPS} optimizer steps (${this.history.join(' → ')}); ` +
        `${total} tensors made during those steps are still alive, made by: ${made || 'none tracked'}. ` +
        'Dispose them, or run each step inside tidy() (returning the loss). This warning is given once.',
    );
  }
}

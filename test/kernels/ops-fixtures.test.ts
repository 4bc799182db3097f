import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { tensor, type Tensor } from '../../src/index.js';
import { expectClose, setupDevice } from '../helpers.js';

// PyTorch 1.13 references written by test/fixtures/ops.py: forward and the gradients of sum(out · gout).
beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  args: Record<string, any>;
  inputs: Stored[];
  out: Stored;
  gout?: number[];
  grads: (number[] | null)[];
  [extra: string]: any;
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/ops.json', import.meta.url), 'utf8')) as Record<string, Case[]>;

/** How each fixture group calls webgrad with the case's inputs and arguments. */
const calls: Record<string, (xs: Tensor[], c: Case) => Tensor> = {
  softmax: ([x], c) => wg.softmax(x, c.args.axis),
  logSoftmax: ([x], c) => wg.logSoftmax(x, c.args.axis),
  nllLoss: ([x], c) => wg.nllLoss(x, tensor(c.labels, [c.labels.length], { dtype: 'int32' })),
  mseLoss: ([a, b]) => wg.mseLoss(a, b),
  cat: (xs, c) => wg.cat(xs, c.args.axis),
  stack: (xs, c) => wg.stack(xs, c.args.axis),
  split: ([x], c) => wg.cat(wg.split(x, c.args.sizes, c.args.axis).map((p, i) => wg.mul(p, i + 1)), c.args.axis),
  narrow: ([x], c) => wg.narrow(x, c.args.axis, c.args.start, c.args.length),
  slice: ([x], c) => wg.slice(x, c.args.ranges),
  squeeze: ([x], c) => wg.squeeze(x, c.args.axis),
  unsqueeze: ([x], c) => wg.unsqueeze(x, c.args.axis),
  flatten: ([x], c) => wg.flatten(x, c.args.startAxis, c.args.endAxis),
  where: ([cond, a, b]) => wg.where(wg.gt(cond, 0), a, b),
  clamp: ([x, lo, hi], c) => (c.args.tensorBounds ? wg.clamp(x, lo, hi ?? null) : wg.clamp(x, c.args.min, c.args.max)),
  min: ([x], c) => wg.min(x, c.args.axes, c.args.keepDims),
  minimum: ([a, b]) => wg.minimum(a, b),
  lt: ([a, b]) => wg.lt(a, b),
  le: ([a, b]) => wg.le(a, b),
  ne: ([a, b]) => wg.ne(a, b),
  batchNorm: ([x, w, b], c) => {
    const mean = tensor(c.runningMean, [c.runningMean.length]);
    const variance = tensor(c.runningVar, [c.runningVar.length]);
    running.set(c, [mean, variance]);
    return wg.batchNorm(x, mean, variance, w ?? null, b ?? null, c.args);
  },
  avgPool2d: ([x], c) => wg.avgPool2d(x, c.args as wg.AvgPool2dOptions),
  adaptiveAvgPool2d: ([x], c) => wg.adaptiveAvgPool2d(x, c.args.outputSize),
};

/** The running statistics each batchNorm case updated, checked against PyTorch's after the forward. */
const running = new Map<Case, Tensor[]>();
const checks: Record<string, (c: Case) => Promise<void>> = {
  batchNorm: async (c) => {
    const [mean, variance] = running.get(c)!;
    expectClose(await mean.toArray(), c.runningMeanAfter, 1e-5, 1e-7);
    expectClose(await variance.toArray(), c.runningVarAfter, 1e-5, 1e-7);
  },
};

for (const [group, cases] of Object.entries(fixtures)) {
  describe(`${group} against PyTorch`, () => {
    for (const c of cases) {
      it(c.name, async () => {
        const call = calls[group];
        if (!call) throw new Error(`no call for fixture group ${group}`);
        const xs = c.inputs.map((s, i) => tensor(s.data, s.shape, { requiresGrad: c.grads[i] !== null }));
        const out = call(xs, c);
        expect(out.shape).toEqual(c.out.shape);
        expectClose(await out.toArray(), c.out.data, 1e-5, 1e-6);
        await checks[group]?.(c);
        if (c.grads.every((g) => g === null)) return;
        if (c.gout) out.backward(tensor(c.gout, c.out.shape));
        else out.backward();
        for (let i = 0; i < xs.length; i++) {
          const expected = c.grads[i];
          if (expected === null) continue;
          const g = xs[i].grad;
          expect(g, `gradient of input ${i}`).not.toBeNull();
          expectClose(await g!.toArray(), expected, 1e-5, 1e-6);
        }
      });
    }
  });
}

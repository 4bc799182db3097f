import { beforeAll, describe, expect, it } from 'vitest';
import { nn, relu, sum, tensor, type Tensor } from '../../src/index.js';
import { fuse } from '../../src/layers/sequential.js';
import { asF32, expectClose, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

/** A module whose forward is its own: a subclass of Conv2d that doubles the convolution. */
class DoubledConv extends nn.Conv2d {
  override forward(x: Tensor): Tensor {
    return super.forward(x).mul(2);
  }
}

/** A module of the user's that fuses with a following ReLU through the hook. */
class ScaleThenRelu extends nn.Module {
  fusedCalls = 0;
  forward(x: Tensor): Tensor {
    return x.mul(3);
  }
  override fuseWith(next: nn.Module): ((x: Tensor) => Tensor) | null {
    return next instanceof nn.ReLU
      ? (x) => {
          this.fusedCalls++;
          return relu(x.mul(3));
        }
      : null;
  }
}

describe('fusion (Module.fuseWith, fuse())', () => {
  it('fuses a Conv2d with the ReLU after it, and nothing else', () => {
    const conv = new nn.Conv2d(2, 3, 3, { seed: 1 });
    const r1 = new nn.ReLU();
    const r2 = new nn.ReLU();
    const lin = new nn.Linear(4, 2, { seed: 2 });
    expect(fuse([conv, r1, r2, lin]).map((s) => s.modules)).toEqual([[conv, r1], [r2], [lin]]);
    expect(fuse([r1, conv]).map((s) => s.modules)).toEqual([[r1], [conv]]);
    expect(fuse([conv]).map((s) => s.modules)).toEqual([[conv]]);
    expect(fuse([])).toEqual([]);
  });

  it('leaves a subclass of Conv2d unfused (its forward would be skipped)', () => {
    const conv = new DoubledConv(2, 3, 3, { seed: 1 });
    const r = new nn.ReLU();
    expect(fuse([conv, r]).map((s) => s.modules)).toEqual([[conv], [r]]);
  });

  it("runs a user module's fused step through the hook", async () => {
    const m = new ScaleThenRelu();
    const r = new nn.ReLU();
    const steps = fuse([m, r]);
    expect(steps.map((s) => s.modules)).toEqual([[m, r]]);
    const y = new nn.Sequential(m, r).forward(tensor([-1, 0.5, 2], [3]));
    expect([...(await y.toArray())]).toEqual([0, 1.5, 6]);
    expect(m.fusedCalls).toBe(1);
  });

  it('a fused Conv2d+ReLU gives the values and gradients of the two run apart', async () => {
    const conv = new nn.Conv2d(2, 3, 3, { padding: 1, seed: 7 });
    const seq = new nn.Sequential(conv, new nn.ReLU());
    const x = tensor(randomValues(2 * 2 * 5 * 5, 3), [2, 2, 5, 5]);
    const fused = seq.forward(x);
    const apart = relu(conv.forward(x));
    const fusedValues = asF32(await fused.toArray());
    expect(fusedValues.some((v) => v === 0) && fusedValues.some((v) => v > 0)).toBe(true);
    expectClose(fusedValues, asF32(await apart.toArray()), 1e-5);

    sum(fused).backward();
    const gFused = asF32(await conv.weight.grad!.toArray());
    conv.zeroGrad();
    sum(apart).backward();
    expectClose(gFused, asF32(await conv.weight.grad!.toArray()), 1e-4);
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { memory, optim, tensor, tidy, WebgradError, type Tensor } from '../../src/index.js';
import { loadSafetensors, saveSafetensors } from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { expectClose, randomValues, setupDevice } from '../helpers.js';

// Trajectories of torch.optim.Adam/AdamW written by test/fixtures/adam.py.
beforeAll(setupDevice);

interface Trajectory {
  name: string;
  optimizer: 'Adam' | 'AdamW';
  options: Record<string, any>;
  shapes: number[][];
  skip: number;
  p0: number[][];
  grads: number[][][];
  steps: number[][][];
  buffers: Record<string, number[]>;
  stepCounts: number[];
}

const cases = JSON.parse(readFileSync(new URL('../fixtures/adam.json', import.meta.url), 'utf8')) as Trajectory[];

function options(o: Record<string, any>): optim.AdamOptions {
  return { lr: o.lr, betas: o.betas, eps: o.eps, weightDecay: o.weight_decay, amsgrad: o.amsgrad };
}

function make(c: Trajectory): { params: Tensor[]; opt: optim.Adam } {
  const params = c.p0.map((v, k) => tensor(v, c.shapes[k], { requiresGrad: true }));
  const Cls = c.optimizer === 'AdamW' ? optim.AdamW : optim.Adam;
  return { params, opt: new Cls(params, options(c.options)) };
}

function giveGrads(c: Trajectory, params: Tensor[], s: number): void {
  params.forEach((p, k) => {
    p.grad = k === 1 && s === c.skip ? null : tensor(c.grads[s][k], c.shapes[k]);
  });
}

describe('Adam and AdamW against PyTorch over 10 steps', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const { params, opt } = make(c);
      for (let s = 0; s < c.steps.length; s++) {
        giveGrads(c, params, s);
        opt.step();
        opt.zeroGrad();
        for (let k = 0; k < params.length; k++) expectClose(await params[k].toArray(), c.steps[s][k], 1e-5, 1e-7);
      }
      const state = opt.stateDict();
      expect(state.steps).toEqual(c.stepCounts);
      expect(Object.keys(state.tensors).sort()).toEqual(Object.keys(c.buffers).sort());
      for (const [name, values] of Object.entries(c.buffers)) expectClose(await state.tensors[name].toArray(), values, 1e-5, 1e-9);
      opt.dispose();
      params.forEach((p) => p.dispose());
    });
  }
});

describe('Adam state', () => {
  it('a checkpoint written after 5 steps resumes to the same 10-step trajectory', async () => {
    const c = cases.find((t) => t.options.amsgrad && t.optimizer === 'AdamW')!;
    const { params, opt } = make(c);
    for (let s = 0; s < 5; s++) {
      giveGrads(c, params, s);
      opt.step();
      opt.zeroGrad();
    }
    const state = opt.stateDict();
    const path = join(mkdtempSync(join(tmpdir(), 'webgrad-adam-')), 'opt.safetensors');
    const named: Record<string, Tensor> = { ...state.tensors };
    params.forEach((p, k) => (named[`param.${k}`] = p));
    await saveSafetensors(path, named, { optimizer: JSON.stringify({ steps: state.steps, lr: state.lr }) });
    opt.dispose();
    params.forEach((p) => p.dispose());

    const loaded = await loadSafetensors(path);
    const resumed = c.p0.map((_, k) => loaded.tensors[`param.${k}`]);
    resumed.forEach((p) => (p.requiresGrad = true));
    const Cls = c.optimizer === 'AdamW' ? optim.AdamW : optim.Adam;
    const opt2 = new Cls(resumed, options(c.options));
    const meta = JSON.parse(loaded.metadata.optimizer) as { steps: number[]; lr: number };
    opt2.loadStateDict({ ...meta, tensors: loaded.tensors });
    for (let s = 5; s < 10; s++) {
      giveGrads(c, resumed, s);
      opt2.step();
      opt2.zeroGrad();
    }
    for (let k = 0; k < resumed.length; k++) expectClose(await resumed[k].toArray(), c.steps[9][k], 1e-5, 1e-7);
    opt2.dispose();
    Object.values(loaded.tensors).forEach((t) => t.dispose());
  });

  it('one dispatch per parameter with a gradient, and flat memory over steps', () => {
    const ps = [5, 1027].map((n, i) => tensor(randomValues(n, i), [n], { requiresGrad: true }));
    const opt = new optim.Adam(ps, { amsgrad: true });
    const step = () =>
      tidy(() => {
        ps.forEach((p, i) => (p.grad = tensor(randomValues(p.size, 60 + i), [p.size])));
        opt.step();
        opt.zeroGrad();
      });
    step();
    const before = memory().liveBuffers;
    const dispatches = runtime().counters.dispatches;
    step();
    step();
    expect(memory().liveBuffers).toBe(before);
    // 2 gradient uploads' poison fills and 2 updates per step
    expect(runtime().counters.dispatches - dispatches).toBe(2 * 4);
    opt.dispose();
    ps.forEach((p) => p.dispose());
  });

  it('refuses bad options and mismatched state, naming them', () => {
    const p = tensor(randomValues(4, 1), [4], { requiresGrad: true });
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: betas must be two numbers in \[0, 1\), got 0.9,1/);
    expect(() => new optim.AdamW([p], { lr: -1 })).toThrow(/AdamW: lr must be a finite number >= 0, got -1/);
    expect(() => new optim.Adam([p], { amsgrad: 1 as unknown as boolean })).toThrow(WebgradError);
    expect(() => new optim.Adam([p], { maximize: true } as optim.AdamOptions)).toThrow(/Adam: unsupported option maximize \(supported: lr, betas, eps, weightDecay, amsgrad\)/);
    const opt = new optim.Adam([p]);
    expect(() => opt.loadStateDict({ amsgrad: true })).toThrow(/Adam.loadStateDict: state has amsgrad true but this optimizer has false/);
    expect(() => opt.loadStateDict({ steps: [2], tensors: {} })).toThrow(/params\[0\] has 2 steps but state.tensors has no 'state.0.exp_avg'/);
    expect(() => opt.loadStateDict({ steps: [1, 1] })).toThrow(/state has 2 step counts for 1 parameters/);
  });
});

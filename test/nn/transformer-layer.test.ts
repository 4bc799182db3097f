import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { gelu, memory, mul, nn, sum, tensor, tidy, type Tensor } from '../../src/index.js';
import { expectClose, setupDevice } from '../helpers.js';

// PyTorch 1.13 references written by test/fixtures/transformer_layer.py: a state dict, an input, the
// output and the gradients of sum(out · g) for the input and every parameter (float64 from float32 values).
beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: 'mha' | 'mha-cross' | 'encoder';
  /** mha-cross: the keys (the values are half of them), [S, N, E]. */
  memory?: Stored;
  causal: boolean;
  normFirst?: boolean;
  activation?: 'relu' | 'gelu-tanh';
  state: Record<string, Stored>;
  x: Stored;
  g: Stored;
  y: Stored;
  dx: Stored;
  grads: Record<string, Stored>;
}
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/transformer-layer.json', import.meta.url), 'utf8')) as { cases: Case[] };
const t = (s: Stored, requiresGrad = false): Tensor => tensor(s.data, s.shape, { requiresGrad });
const values = async (x: Tensor): Promise<number[]> => Array.from((await x.toArray()) as Float32Array);

function build(c: Case): { module: nn.Module; call: (x: Tensor) => Tensor } {
  if (c.name === 'mha-cross') {
    const mha = new nn.MultiheadAttention(c.x.shape[2], 3);
    return {
      module: mha,
      call: (x) => {
        const keys = t(c.memory!);
        return mha.forward(x, keys, mul(keys, 0.5));
      },
    };
  }
  if (c.name === 'mha') {
    const [, , e] = c.x.shape;
    const mha = new nn.MultiheadAttention(e, 3);
    return { module: mha, call: (x) => mha.forward(x, x, x, { isCausal: c.causal }) };
  }
  const [, , d] = c.x.shape;
  const layer = new nn.TransformerEncoderLayer(d, 2, {
    dimFeedforward: 12,
    dropout: 0,
    batchFirst: true,
    normFirst: c.normFirst,
    activation: c.activation === 'gelu-tanh' ? (x) => gelu(x, { approximate: 'tanh' }) : 'relu',
  });
  return { module: layer, call: (x) => layer.forward(x, { isCausal: c.causal }) };
}

describe('nn.MultiheadAttention and nn.TransformerEncoderLayer against PyTorch', () => {
  for (const c of fixtures.cases) {
    const label = c.name === 'mha-cross' ? 'MultiheadAttention, cross-attention (S = 6 keys for L = 4 queries)' : c.name === 'mha' ? `MultiheadAttention [L, N, E]${c.causal ? ', causal' : ''}` : `TransformerEncoderLayer ${c.normFirst ? 'pre-norm, tanh GELU' : 'post-norm, ReLU'}, batch first, causal`;
    it(`${label}: PyTorch's state-dict names, output and every gradient`, async () => {
      const { module, call } = build(c);
      expect(Object.keys(module.stateDict())).toEqual(Object.keys(c.state));
      const state = Object.fromEntries(Object.entries(c.state).map(([k, s]) => [k, t(s)]));
      module.loadStateDict(state);
      for (const s of Object.values(state)) s.dispose();
      const live = memory().liveBuffers;
      const x = t(c.x, true);
      const y = tidy(() => call(x));
      tidy(() => sum(mul(y, t(c.g))).backward());
      expectClose(await values(y), c.y.data, 1e-4, 1e-5);
      expectClose(await values(x.grad!), c.dx.data, 1e-4, 1e-5);
      for (const [name, p] of module.namedParameters()) expectClose(await values(p.grad!), c.grads[name].data, 1e-4, 1e-5);
      y.dispose();
      x.dispose();
      module.zeroGrad();
      // The graph freed with the output: only the parameters' buffers are left.
      expect(memory().liveBuffers).toBe(live);
      module.dispose();
    });
  }

  it('MultiheadAttention refuses a head count that does not divide the width and inputs of another width', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(/embedDim 10 must be divisible by numHeads 3/);
    const mha = new nn.MultiheadAttention(4, 2, { batchFirst: true });
    const x = tensor(new Float32Array(2 * 3 * 5).fill(1), [2, 3, 5]);
    expect(() => mha.forward(x)).toThrow(/query must be \[N, L, E\] with E = 4, got \[2, 3, 5\]/);
    x.dispose();
    mha.dispose();
  });
});

// scaledDotProductAttention against PyTorch references (test/fixtures/attention.py: float64
// softmax(q·kᵀ·scale + mask)·v): the forward and the gradients of sum(out · gout), through the fused
// kernels (where they apply) and through the composed form, with poisoned outputs.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as wg from '../../src/index.js';
import { attentionComposed } from '../../src/ops/attention-composed.js';
import { expectClose, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  causal: boolean;
  scale: number | null;
  mask?: Stored & { bool: boolean };
  inputs: Stored[];
  gout: Stored;
  out: Stored;
  grads: Stored[];
}

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/attention.json', import.meta.url), 'utf8')) as { attention: Case[] };

const leaf = (s: Stored): wg.Tensor => wg.tensor(s.data, s.shape, { requiresGrad: true });

/** Runs `form` on the case's inputs; returns the output's node op, the output and the three gradients. */
async function run(c: Case, form: 'op' | 'composed'): Promise<{ op: string | undefined; out: Float32Array; grads: Float32Array[] }> {
  const [q, k, v] = c.inputs.map(leaf);
  const mask = c.mask ? wg.tensor(c.mask.data, c.mask.shape, { dtype: c.mask.bool ? 'int32' : 'float32' }) : null;
  const gout = wg.tensor(c.gout.data, c.gout.shape);
  const scale = c.scale ?? 1 / Math.sqrt(q.shape[q.rank - 1]);
  const out =
    form === 'op'
      ? wg.scaledDotProductAttention(q, k, v, { attnMask: mask, isCausal: c.causal, scale: c.scale })
      : attentionComposed(q, k, v, { mask, causal: c.causal, dropoutP: 0, seed: 0, scale });
  const op = out.node?.op;
  wg.sum(wg.mul(out, gout)).backward();
  const result = { op, out: (await out.toArray()) as Float32Array, grads: (await Promise.all([q, k, v].map((t) => t.grad!.toArray()))) as Float32Array[] };
  for (const t of [q, k, v, out, gout, mask]) t?.dispose();
  return result;
}

const fused = (c: Case): boolean => c.inputs.every((s) => s.shape[s.shape.length - 1] <= 64);

describe('scaledDotProductAttention against PyTorch', () => {
  for (const c of fixtures.attention) {
    for (const form of ['op', 'composed'] as const) {
      it(`${c.name} (${form === 'op' ? (fused(c) ? 'fused' : 'falls back to composed') : 'composed'})`, async () => {
        const r = await run(c, form);
        if (form === 'op') expect(r.op === 'scaledDotProductAttention').toBe(fused(c));
        expect(r.out.length).toBe(c.out.data.length);
        expectClose(r.out, c.out.data, 1e-4, 2e-5);
        ['q', 'k', 'v'].forEach((name, i) => {
          try {
            expectClose(r.grads[i], c.grads[i].data, 1e-3, 5e-5);
          } catch (e) {
            throw new Error(`d${name}: ${(e as Error).message}`);
          }
        });
      });
    }
  }
});

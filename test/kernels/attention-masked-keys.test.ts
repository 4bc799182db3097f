// A key left out by a bool mask still counts when its score is +inf or NaN: PyTorch 1.13 adds −inf
// for it (its math path's baddbmm), so the query's row is NaN. The fused kernels (head sizes up to 64)
// did so; the composed form (larger heads) replaced the score and gave a finite row. Found by the
// fuzz table (test/kernels/fuzz/table-transformer.ts). PyTorch 1.13's answers, from
// F._scaled_dot_product_attention(q, k, v, attn_mask=m) on these inputs: [nan, nan] for both forms.
import { beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('scaledDotProductAttention: a masked-out key with an infinite score', () => {
  for (const [form, E] of [['fused', 3], ['composed', 65]] as const) {
    it(`gives NaN as PyTorch does (${form}, E = ${E})`, async () => {
      const out = wg.tidy(() => {
        const q = wg.full([2, E], 0.5);
        const kd = new Float32Array(2 * E).fill(0.5);
        kd[E] = Infinity; // key 1's score is +inf, and key 1 is masked out for both queries
        const k = wg.tensor(kd, [2, E]);
        const v = wg.tensor(Float32Array.of(1, 2), [2, 1]);
        const mask = wg.tensor(Int32Array.of(1, 0, 1, 0), [2, 2], { dtype: 'int32' });
        return wg.scaledDotProductAttention(q, k, v, { attnMask: mask });
      });
      expect(Array.from(await out.toArray())).toEqual([NaN, NaN]);
      out.dispose();
    });
  }
});

// Fuzz-table entries of the transformer ops: gelu, layerNorm, embedding, tril, triu, maskedFill and
// scaledDotProductAttention. Attention's heads stay in the fused kernels' smallest head-size class
// (E, Ev ≤ 16: one forward and one backward pipeline), with E = 65 now and then for the composed form.
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { map, sizeOf, zipWith } from '../../unit/fuzz/nd.js';
import { attentionNd, embeddingNd, geluValue, layerNormNd, triangleNd } from '../../unit/fuzz/transformer-reference.js';
import { ANY, FINITE, broadcastPartnerArb, dimArb, inputArb, shapeArb, spread, type Domain, type HostInput, type Sample } from '../../unit/fuzz/samples.js';
import type { OpEntry } from './entry.js';
import { unarySample } from './table-elementwise.js';

/** ±inf, NaN and denormals but no large finite magnitudes (whose squares and sums overflow float32 in PyTorch too). */
const MILD: Domain = { ...ANY, allow: (v) => !Number.isFinite(v) || Math.abs(v) < 1 };
/** A 0/1 mask (int32: PyTorch's bool; float32 as the comparisons give). */
const maskArb = (shape: number[], dtype: 'float32' | 'int32'): fc.Arbitrary<HostInput> =>
  inputArb(shape, { min: -1, max: 1 }, dtype).map((m) => ({ ...m, data: m.data.map((v) => (v > 0 ? 1 : 0)) }));
const f32 = Math.fround;

type MaskKind = 'none' | 'causal' | 'bool' | 'float';

interface AttentionDims {
  batch: fc.Arbitrary<number[]>;
  L: fc.Arbitrary<number>;
  S: fc.Arbitrary<number>;
  E: fc.Arbitrary<number>;
  Ev: fc.Arbitrary<number>;
  masks: MaskKind[];
  /** Keys k and v with leading dimensions that broadcast against q's. */
  broadcast: boolean;
  /** A float mask's values (−inf leaves a key out). */
  floatMask: Domain;
}

/** q [.., L, E] (from `domain`), k [.., S, E] and v [.., S, Ev] (from `kvOf(mask)`) and perhaps a mask [.., L, S] (broadcasting), with the scale given or not. */
const attentionSample = (domain: Domain, kvOf: (mask: MaskKind) => Domain, d: AttentionDims): fc.Arbitrary<Sample> =>
  fc.tuple(d.batch, d.L, d.S, d.E, d.Ev, fc.constantFrom(...d.masks), fc.constantFrom(undefined, 0.3)).chain(([batch, L, S, E, Ev, mask, scale]) =>
    fc.tuple(d.broadcast ? broadcastPartnerArb(batch) : fc.constant(batch), d.broadcast ? broadcastPartnerArb(batch) : fc.constant(batch), broadcastPartnerArb([...batch, L, S])).chain(([bk, bv, bm]) => {
      const kv = kvOf(mask);
      const inputs = [inputArb([...batch, L, E], domain), inputArb([...bk, S, E], kv), inputArb([...bv, S, Ev], kv)];
      if (mask === 'bool') inputs.push(maskArb(bm, 'int32'));
      if (mask === 'float') inputs.push(inputArb(bm, d.floatMask));
      return fc.tuple(...inputs).map((xs) => ({ inputs: xs, args: { mask, scale } }));
    }),
  );

/** The gradient's masks keep key 0 for every query: a row with no key is NaN, which finite differences cannot check. */
const keepFirstKey = (s: Sample): Sample => {
  const m = s.inputs[3];
  if (!m || s.args.mask !== 'bool') return s;
  // A mask broadcast along the keys (its last dimension 1 or none) keeps them all.
  const S = m.shape[m.shape.length - 1] ?? 1;
  return { ...s, inputs: [...s.inputs.slice(0, 3), { ...m, data: m.data.map((v, i) => (i % S === 0 ? 1 : v)) }] };
};

/** Values in ±1 spread evenly, with ±inf, NaN and denormals now and then. */
const SPECIAL_Q: Domain = { ...MILD, min: -1, max: 1, extremes: 1, even: true };

const headSize = fc.oneof({ arbitrary: fc.constantFrom(1, 3, 5), weight: 4 }, { arbitrary: fc.constant(65), weight: 1 });

/** x with value-or-tensor fill and a mask that broadcasts to it. */
const maskedFillSample: fc.Arbitrary<Sample> = shapeArb(0, 3).chain((s) =>
  fc.tuple(inputArb(s, ANY), broadcastPartnerArb(s), fc.constantFrom<('float32' | 'int32')[]>('float32', 'int32'), fc.constantFrom(0, -Infinity, NaN, 1.5, -3e38), fc.boolean()).chain(([x, ms, dtype, value, asTensor]) =>
    fc.tuple(maskArb(ms, dtype), inputArb([], FINITE)).map(([m, v]) => ({ inputs: asTensor ? [x, m, v] : [x, m], args: { value } })),
  ),
);

export const TRANSFORMER: OpEntry[] = [
  {
    name: 'gelu',
    sample: unarySample(ANY).chain((s) => fc.boolean().map((tanh) => ({ ...s, args: { tanh } }))),
    run: ([x], { tanh }) => wg.gelu(x, { approximate: tanh ? 'tanh' : 'none' }),
    reference: ([x], { tanh }) => map(x, (v) => geluValue(v, tanh as boolean)),
    tolerance: { rtol: 1e-5, atol: 1e-6 },
    grad: { sample: unarySample(FINITE, shapeArb(0, 2, false)).chain((s) => fc.boolean().map((tanh) => ({ ...s, args: { tanh } }))) },
    torch: 'gelu(−inf) is NaN (−inf · Φ(−inf) = −inf · 0), gelu(+inf) is +inf, in both forms',
  },
  {
    name: 'layerNorm',
    sample: fc.tuple(shapeArb(0, 2), shapeArb(1, 2, false), fc.boolean(), fc.constantFrom(1e-5, 0.1)).chain(([lead, dims, affine, eps]) =>
      fc.tuple(inputArb([...lead, ...dims], MILD), inputArb(dims, FINITE), inputArb(dims, FINITE)).map(([x, w, b]) => ({ inputs: affine ? [x, w, b] : [x], args: { dims, eps } })),
    ),
    run: ([x, w, b], { dims, eps }) => wg.layerNorm(x, dims as number[], w ?? null, b ?? null, eps as number),
    reference: ([x, w, b], { dims, eps }) => layerNormNd(x, sizeOf(dims as number[]), w ?? null, b ?? null, eps as number),
    tolerance: { rtol: 1e-4, atol: 1e-4 },
    // x spread out 1.3 apart: a row's spread far above gradCheck's step, whose curvature it would see.
    grad: {
      sample: fc.tuple(fc.constantFrom<number[]>([2, 3], [3]), fc.constantFrom<number[]>([3], [2, 3])).filter(([s, dims]) => s.length >= dims.length && s.slice(-dims.length).join() === dims.join()).chain(([s, dims]) =>
        fc.tuple(inputArb(s, FINITE), inputArb(dims, FINITE), inputArb(dims, FINITE)).map(([x, w, b]) => ({ inputs: [{ ...x, data: spread(x.data).map((v) => 10 * v) }, w, b], args: { dims, eps: 1e-5 } })),
      ),
      tolerance: 3e-2,
    },
    torch: 'a row with ±inf or NaN is NaN throughout; large magnitudes are left out: PyTorch 1.13 overflows their variance in float32 (NaN rows) where float64 does not',
  },
  {
    name: 'embedding',
    sample: fc.tuple(shapeArb(0, 2), fc.constantFrom(1, 2, 3, 5), dimArb(), fc.option(fc.integer({ min: -1, max: 0 }), { nil: null })).chain(([is, rows, dim, paddingIdx]) =>
      fc.tuple(inputArb(is, { min: 0, max: rows }, 'int32'), inputArb([rows, dim], ANY)).map(([i, w]) => ({ inputs: [{ ...i, data: i.data.map((v) => Math.min(rows - 1, Math.floor(v))) }, w], args: { paddingIdx } })),
    ),
    run: ([i, w], { paddingIdx }) => wg.embedding(i, w, { paddingIdx: paddingIdx as number | null }),
    reference: ([i, w]) => embeddingNd(i, w),
    // The paddingIdx row gets no gradient (PyTorch's rule, which finite differences do not follow): none here.
    grad: { sample: fc.tuple(inputArb([2, 3], { min: 0, max: 3 }, 'int32'), inputArb([3, 2], FINITE)).map(([i, w]) => ({ inputs: [{ ...i, data: i.data.map((v) => Math.min(2, Math.floor(v))) }, w], args: { paddingIdx: null } })) },
    torch: 'an index outside [0, numEmbeddings) raises (IndexError); webgrad checks indices on the GPU and the next readback throws naming it (test/kernels/embedding*.test.ts), not fuzzed here',
  },
  ...(['tril', 'triu'] as const).map((name): OpEntry => ({
    name,
    sample: shapeArb(1, 4).chain((s) => fc.tuple(inputArb(s, ANY), fc.integer({ min: -3, max: 3 })).map(([x, diagonal]) => ({ inputs: [x], args: { diagonal } }))),
    run: ([x], { diagonal }) => wg[name](x, diagonal as number),
    reference: ([x], { diagonal }) => (x.shape.length < 2 ? { refuses: new RegExp(`${name}: x must have at least 2 dimensions, got shape \\[\\d+\\]`) } : triangleNd(x, diagonal as number, name === 'tril')),
    grad: { sample: fc.tuple(fc.constantFrom<number[]>([2, 3], [3, 2], [2, 2, 2]), fc.integer({ min: -1, max: 1 })).chain(([s, diagonal]) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { diagonal } }))) },
    torch: 'NaN and ±inf in the zeroed triangle give 0; a 1-D x raises ("tril: input tensor must have at least 2 dimensions")',
  })),
  {
    name: 'maskedFill',
    sample: maskedFillSample,
    run: ([x, m, v], { value }) => wg.maskedFill(x, m, v ?? (value as number)),
    reference: ([x, m, v], { value }) => zipWith([x, m], (u, keep) => (keep !== 0 ? f32(v ? v.data[0] : (value as number)) : u)),
    // x's gradient where the mask is false, the 0-D value's the sum of the gradients where it is true.
    grad: { sample: maskedFillSample.filter((s) => Math.abs(s.args.value as number) < 10 && s.inputs.every((x) => x.data.every((v) => Math.abs(v) < 10))), inputs: [0, 2] },
    torch: 'x.masked_fill(mask, value) with a bool mask; a 0-D value tensor gets the gradient summed over the filled elements',
  },
  {
    name: 'scaledDotProductAttention',
    sample: attentionSample(SPECIAL_Q, (mask) => (mask === 'causal' ? { ...FINITE, even: true } : SPECIAL_Q), { batch: shapeArb(0, 3), L: dimArb(), S: dimArb(), E: headSize, Ev: fc.constantFrom(2, 5), masks: ['none', 'causal', 'bool', 'float'], broadcast: true, floatMask: { min: -2, max: 2, extremes: 2, allow: (v) => v === -Infinity, even: true } }),
    run: ([q, k, v, m], { mask, scale }) => wg.scaledDotProductAttention(q, k, v, { attnMask: m ?? null, isCausal: mask === 'causal', scale: scale as number | undefined }),
    reference: ([q, k, v, m], { mask, scale }) => attentionNd(q, k, v, { mask: m ? { values: m, kind: mask === 'bool' ? 'bool' : 'float' } : null, causal: mask === 'causal', scale: scale as number | undefined }),
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    grad: {
      sample: attentionSample({ min: -1, max: 1, even: true }, () => ({ min: -1, max: 1, even: true }), { batch: fc.constantFrom([], [2]), L: fc.constantFrom(2, 3), S: fc.constantFrom(1, 3), E: fc.constant(3), Ev: fc.constant(2), masks: ['none', 'causal', 'bool', 'float'], broadcast: false, floatMask: { min: -2, max: 2, even: true } }).map(keepFirstKey),
      inputs: [0, 1, 2],
    },
    // Special values in q, k and v, but k and v finite under isCausal: PyTorch 1.13 adds −inf for a
    // key left out, so +inf in its score, or inf in its row of v (0 · inf), makes the row NaN there;
    // webgrad's isCausal leaves such keys out entirely (its fused kernels skip them, as PyTorch 2's do).
    torch:
      'F.scaled_dot_product_attention is PyTorch 2.0; 1.13 has its math path (torch.nn.functional._scaled_dot_product_attention): softmax(q·kᵀ·scale + mask)·v, a query with no key taking part gives NaN, isCausal is tril(ones(L, S)) (top-left aligned when L ≠ S); a non-finite k or v at a key left out makes the row NaN (webgrad too, except under isCausal, where it leaves such keys out: not sampled)',
  },
];

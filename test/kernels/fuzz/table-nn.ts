// Fuzz-table entries of the network ops: matmul, linear, conv2d, the pools, localResponseNorm,
// batchNorm, dropout, softmax, logSoftmax and the losses.
import fc from 'fast-check';
import * as wg from '../../../src/index.js';
import { matmulNd, zipWith, type Nd } from '../../unit/fuzz/nd.js';
import { adaptiveAvgNd, batchNormNd, conv2dNd, lrnNd, nllNd, pool2dNd, softmaxNd } from '../../unit/fuzz/nn-reference.js';
import { ANY, FINITE, broadcastPartnerArb, dimArb, inputArb, shapeArb, spread, type Domain, type Sample } from '../../unit/fuzz/samples.js';
import type { Expected, OpEntry } from './entry.js';

/** ±inf, NaN and denormals but no large finite magnitudes: sums of them would depend on the order. */
const MILD: Domain = { ...ANY, allow: (v) => !Number.isFinite(v) || Math.abs(v) < 1 };
const small = fc.constantFrom(1, 2, 3);

/** NCHW input with a kernel size, stride and padding that fit it. */
const windowSample = (domain: Domain, n: fc.Arbitrary<number> = fc.constantFrom(1, 2), hw: fc.Arbitrary<number> = fc.constantFrom(1, 2, 3, 5)): fc.Arbitrary<Sample> =>
  fc.tuple(n, small, hw, hw, small, fc.constantFrom(1, 2)).chain(([b, c, h, w, k0, stride]) => {
    const k = Math.min(k0, h, w);
    return fc.tuple(inputArb([b, c, h, w], domain), fc.integer({ min: 0, max: Math.floor(k / 2) })).map(([x, pad]) => ({ inputs: [x], args: { k, stride, pad } }));
  });

/** torch.matmul's forms: 1-D by 1-D (a dot product), a 1-D operand against a batched one, 2-D, and batches of any rank that broadcast. */
const matmulShapes: fc.Arbitrary<number[][]> = fc.tuple(dimArb(), dimArb(), dimArb(), fc.constantFrom('1d-1d', '1d-left', '1d-right', '2d', 'batched', 'batched', 'refused'), shapeArb(0, 3)).chain(([m, k, n, form, batch]): fc.Arbitrary<number[][]> => {
  if (form === '1d-1d') return fc.constant([[k], [k]]);
  // What PyTorch raises on: a 0-D operand, inner sizes that differ.
  if (form === 'refused') return fc.constantFrom([[], [k]], [[m, k], [k + 1, n]], [[...batch, k + 1], [k, n]]);
  if (form === '1d-left') return fc.constant([[k], [...batch, k, n]]);
  if (form === '1d-right') return fc.constant([[...batch, m, k], [k]]);
  if (form === '2d') return fc.constant([[m, k], [k, n]]);
  return broadcastPartnerArb(batch).chain((other) => fc.boolean().map((swap) => (swap ? [[...other, m, k], [...batch, k, n]] : [[...batch, m, k], [...other, k, n]])));
});

const matmulSample = (domain: Domain, shapes: fc.Arbitrary<number[][]> = matmulShapes): fc.Arbitrary<Sample> => shapes.chain(([a, b]) => fc.tuple(inputArb(a, domain), inputArb(b, domain)).map((inputs) => ({ inputs, args: {} })));

/** Logits [N, C] and labels in [0, C). */
const classSample = (domain: Domain, n: fc.Arbitrary<number> = fc.constantFrom(0, 1, 2, 5), c: fc.Arbitrary<number> = fc.constantFrom(1, 2, 3, 7)): fc.Arbitrary<Sample> =>
  fc.tuple(n, c).chain(([rows, classes]) =>
    fc.tuple(inputArb([rows, classes], domain), fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows })).map(([x, labels]) => ({ inputs: [x], args: { labels } })),
  );

const labelsOf = (args: Sample['args']) => Int32Array.from(args.labels as number[]);
const scalar = (v: number): Nd => ({ shape: [], data: Float64Array.of(v) });

const gradWindow = windowSample(FINITE, fc.constant(1), fc.constantFrom(2, 3));

export const NN: OpEntry[] = [
  {
    name: 'matmul',
    sample: matmulSample(MILD),
    run: ([a, b]) => wg.matmul(a, b),
    reference: ([a, b]): Expected => {
      if (a.shape.length === 0 || b.shape.length === 0) return { refuses: /matmul: a and b must have at least one dimension, got a \[.*\] and b \[.*\]/ };
      if (a.shape[a.shape.length - 1] !== b.shape[Math.max(0, b.shape.length - 2)]) return { refuses: /matmul: inner dimensions differ \(\d+ vs \d+\) for a \[.*\] and b \[.*\]/ };
      return matmulNd(a, b);
    },
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    grad: { sample: matmulSample(FINITE, fc.constantFrom([[2, 3], [3, 2]], [[3], [2, 3, 2]], [[2, 1, 2, 3], [3, 3, 2]], [[2, 3], [3]])) },
    torch: 'torch.matmul: a 1-D operand is a row (left) or a column (right), its dimension dropped from the result; 1-D by 1-D is a 0-D dot product; batches of any rank broadcast; a 0-D operand or inner sizes that differ raise',
  },
  {
    name: 'linear',
    sample: fc.tuple(shapeArb(0, 2), dimArb(), dimArb(), fc.boolean()).chain(([lead, i, o, bias]) =>
      fc.tuple(inputArb([...lead, i], MILD), inputArb([o, i], FINITE), inputArb([o], FINITE)).map(([x, w, b]) => ({ inputs: bias ? [x, w, b] : [x, w], args: {} })),
    ),
    run: ([x, w, b]) => wg.linear(x, w, b ?? null),
    reference: ([x, w, b]) => {
      const y = matmulNd(x, { shape: [w.shape[1], w.shape[0]], data: Float64Array.from({ length: w.data.length }, (_, j) => w.data[(j % w.shape[0]) * w.shape[1] + Math.floor(j / w.shape[0])]) });
      return b ? zipWith([y, b], (u, v) => u + v) : y;
    },
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    grad: { sample: fc.tuple(inputArb([2, 3], FINITE), inputArb([2, 3], FINITE), inputArb([2], FINITE)).map((inputs) => ({ inputs, args: {} })) },
  },
  {
    name: 'conv2d',
    sample: windowSample(MILD).chain((s) =>
      fc.tuple(small, fc.boolean()).chain(([co, bias]) =>
        fc.tuple(inputArb([co, s.inputs[0].shape[1], s.args.k as number, s.args.k as number], FINITE), inputArb([co], FINITE)).map(([w, b]) => ({ inputs: bias ? [s.inputs[0], w, b] : [s.inputs[0], w], args: s.args })),
      ),
    ),
    run: ([x, w, b], { stride, pad }) => wg.conv2d(x, w, b ?? null, { stride: stride as number, padding: pad as number }),
    reference: ([x, w, b], { stride, pad }) => conv2dNd(x, w, b ?? null, stride as number, pad as number),
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    // One channel in and two out keep the finite differences few (two evaluations per element).
    grad: { sample: windowSample(FINITE, fc.constant(1), fc.constantFrom(2, 3)).filter((s) => s.inputs[0].shape[1] === 1 && (s.args.k as number) <= 2).chain((s) => fc.tuple(inputArb([2, 1, s.args.k as number, s.args.k as number], FINITE), inputArb([2], FINITE)).map(([w, b]) => ({ inputs: [s.inputs[0], w, b], args: s.args }))) },
  },
  {
    name: 'maxPool2d',
    sample: windowSample(ANY),
    run: ([x], { k, stride, pad }) => wg.maxPool2d(x, k as number, { stride: stride as number, padding: pad as number }),
    reference: ([x], { k, stride, pad }) => pool2dNd(x, 'max', k as number, stride as number, pad as number),
    // Distinct values 0.13 apart keep ties (where finite differences split the gradient) out.
    grad: { sample: gradWindow.map((s) => ({ ...s, inputs: s.inputs.map((x) => ({ ...x, data: spread(x.data) })) })), eps: 1e-3 },
    torch: 'NaN in a window gives NaN (F.max_pool2d)',
  },
  {
    name: 'avgPool2d',
    sample: windowSample(MILD).chain((s) => fc.boolean().map((countIncludePad) => ({ ...s, args: { ...s.args, countIncludePad } }))),
    run: ([x], { k, stride, pad, countIncludePad }) => wg.avgPool2d(x, k as number, { stride: stride as number, padding: pad as number, countIncludePad: countIncludePad as boolean }),
    reference: ([x], { k, stride, pad, countIncludePad }) => pool2dNd(x, 'avg', k as number, stride as number, pad as number, countIncludePad as boolean),
    grad: { sample: gradWindow.map((s) => ({ ...s, args: { ...s.args, countIncludePad: false } })) },
  },
  {
    name: 'adaptiveAvgPool2d',
    sample: windowSample(MILD).chain((s) => fc.tuple(small, small).map(([oh, ow]) => ({ ...s, args: { oh, ow } }))),
    run: ([x], { oh, ow }) => wg.adaptiveAvgPool2d(x, [oh as number, ow as number]),
    reference: ([x], { oh, ow }) => adaptiveAvgNd(x, oh as number, ow as number),
    grad: { sample: gradWindow.map((s) => ({ ...s, args: { oh: 2, ow: 1 } })) },
  },
  {
    name: 'localResponseNorm',
    sample: windowSample(FINITE).chain((s) => fc.tuple(fc.constantFrom(1, 2, 3, 5), fc.constantFrom(1e-4, 0.5), fc.constantFrom(0.75, 1), fc.constantFrom(1, 2)).map(([size, alpha, beta, k]) => ({ ...s, args: { size, alpha, beta, k } }))),
    run: ([x], a) => wg.localResponseNorm(x, { size: a.size as number, alpha: a.alpha as number, beta: a.beta as number, k: a.k as number }),
    reference: ([x], a) => lrnNd(x, a.size as number, a.alpha as number, a.beta as number, a.k as number),
    tolerance: { rtol: 1e-4, atol: 1e-5 },
    grad: { sample: gradWindow.map((s) => ({ ...s, args: { size: 3, alpha: 0.5, beta: 0.75, k: 1 } })) },
  },
  {
    name: 'batchNorm',
    sample: windowSample(FINITE, fc.constantFrom(2, 3)).chain((s) => fc.tuple(inputArb([s.inputs[0].shape[1]], FINITE), inputArb([s.inputs[0].shape[1]], FINITE)).map(([w, b]) => ({ inputs: [s.inputs[0], w, b], args: {} }))),
    run: ([x, w, b]) => wg.batchNorm(x, null, null, w, b, { training: true }),
    reference: ([x, w, b]) => batchNormNd(x, w, b, 1e-5),
    tolerance: { rtol: 1e-3, atol: 1e-3 },
    // x spread out: where a channel's variance is near eps, finite differences of 1e-2 see its curvature.
    grad: { sample: gradWindow.map((s) => ({ ...s, inputs: [{ ...s.inputs[0], data: spread(s.inputs[0].data) }] })).chain((s) => fc.tuple(inputArb([s.inputs[0].shape[1]], FINITE), inputArb([s.inputs[0].shape[1]], FINITE)).map(([w, b]) => ({ inputs: [s.inputs[0], w, b], args: {} }))), tolerance: 3e-2 },
  },
  {
    // The mask is random: each output must be 0 or x / (1 − p), so y − kept · x / (1 − p) is 0.
    name: 'dropout',
    sample: fc.tuple(shapeArb(0, 3).chain((s) => inputArb(s, { min: -3, max: 3, gap: 0.1 })), fc.constantFrom(0, 0.25, 0.5), fc.integer({ min: 0, max: 1000 })).map(([x, p, seed]) => ({ inputs: [x], args: { p, seed } })),
    run: ([x], { p, seed }) => {
      const y = wg.dropout(x, { p: p as number, seed: seed as number });
      return wg.sub(y, wg.mul(wg.ne(y, 0), wg.div(x, 1 - (p as number))));
    },
    reference: ([x]) => ({ shape: [...x.shape], data: new Float64Array(x.data.length) }),
    grad: { sample: shapeArb(1, 2, false).chain((s) => inputArb(s, FINITE)).map((x) => ({ inputs: [x], args: { p: 0.5, seed: 3 } })) },
  },
  ...(['softmax', 'logSoftmax'] as const).map((name): OpEntry => ({
    name,
    sample: shapeArb(1, 3).chain((s) => fc.tuple(inputArb(s, ANY), fc.integer({ min: -s.length, max: s.length - 1 })).map(([x, axis]) => ({ inputs: [x], args: { axis } }))),
    run: ([x], { axis }) => wg[name](x, axis as number),
    reference: ([x], { axis }) => softmaxNd(x, axis as number, name === 'logSoftmax'),
    tolerance: { rtol: 1e-5, atol: 1e-6 },
    grad: { sample: shapeArb(1, 2, false).chain((s) => inputArb(s, FINITE).map((x) => ({ inputs: [x], args: { axis: -1 } }))) },
    torch: 'a row whose maximum is +inf or NaN, or all −inf, is NaN; −inf entries give 0 (log: −inf)',
  })),
  {
    // Logits up to ±1e20, not ±3e38: the mean of row losses of 3e38 overflows float32 in PyTorch too.
    name: 'crossEntropy',
    sample: classSample({ ...ANY, allow: (v) => !Number.isFinite(v) || Math.abs(v) <= 1e20 }),
    run: ([x], args) => wg.crossEntropy(x, labelsOf(args)),
    reference: ([x], { labels }) => nllNd(softmaxNd(x, 1, true), labels as number[]),
    tolerance: { rtol: 1e-5, atol: 1e-5 },
    grad: { sample: classSample(FINITE, fc.constant(3), fc.constant(4)) },
    torch: 'the mean over no rows is NaN; a row with +inf or NaN logits makes the loss NaN',
  },
  {
    // Without large finite magnitudes: PyTorch sums float32 log-probabilities in float32, so
    // two of −3e38 are −inf there (and here) where the float64 reference is finite.
    name: 'nllLoss',
    sample: classSample(MILD),
    run: ([x], args) => wg.nllLoss(x, labelsOf(args)),
    reference: ([x], { labels }) => nllNd(x, labels as number[]),
    grad: { sample: classSample(FINITE, fc.constant(3), fc.constant(4)) },
    torch: 'the mean over no rows is NaN',
  },
  {
    // Ties among small integers: the first maximum counts.
    name: 'countCorrect',
    sample: classSample({ min: -2, max: 2 }).map((s) => ({ ...s, inputs: s.inputs.map((x) => ({ ...x, data: x.data.map(Math.round) })) })),
    run: ([x], args) => wg.countCorrect(x, labelsOf(args)),
    reference: ([x], { labels }): Expected => {
      const [n, c] = x.shape;
      let count = 0;
      for (let i = 0; i < n; i++) {
        let best = 0;
        for (let j = 1; j < c; j++) if (x.data[i * c + j] > x.data[i * c + best]) best = j;
        if (best === (labels as number[])[i]) count++;
      }
      return { shape: [1], data: Float64Array.of(count) };
    },
    // A count: no gradient.
  },
  {
    name: 'mseLoss',
    sample: shapeArb(0, 3).chain((s) => fc.tuple(inputArb(s, MILD), inputArb(s, MILD))).map((inputs) => ({ inputs, args: {} })),
    run: ([a, b]) => wg.mseLoss(a, b),
    reference: ([a, b]) => {
      const d = zipWith([a, b], (u, v) => (u - v) ** 2);
      return scalar(d.data.reduce((s, v) => s + v, 0) / d.data.length);
    },
    tolerance: { rtol: 1e-5, atol: 1e-6 },
    grad: { sample: shapeArb(1, 2, false).chain((s) => fc.tuple(inputArb(s, FINITE), inputArb(s, FINITE))).map((inputs) => ({ inputs, args: {} })) },
    torch: 'the mean over no elements is NaN',
  },
];

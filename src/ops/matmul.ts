import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { gemmKernel } from '../kernels/gemm/gemm.js';
import { fmt, sizeOf } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, Tensor, view } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { zerosLike } from './creation.js';

/** Batch entries of a 2-D or 3-D operand (a 2-D one broadcasts like a batch of 1). */
const batchOf = (t: Tensor): number => (t.rank === 3 ? t.shape[0] : 1);

/**
 * Matrix product of a [M, K] or [batch, M, K] and b [K, N] or [batch, K, N]; a batch of 1 (or a
 * missing batch dimension) broadcasts over the other's. Returns [M, N] when both are 2-D, else
 * [batch, M, N].
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul: a', 'float32');
  checkTensor(b, 'matmul: b', 'float32');
  const shapes = `a ${fmt(a.shape)} and b ${fmt(b.shape)}`;
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new WebgradError(`webgrad: matmul: a and b must be 2-D or 3-D, got ${shapes}`);
  }
  const K = a.shape[a.rank - 1];
  if (b.shape[b.rank - 2] !== K) {
    throw new WebgradError(`webgrad: matmul: inner dimensions differ (${K} vs ${b.shape[b.rank - 2]}) for ${shapes}`);
  }
  const ba = batchOf(a);
  const bb = batchOf(b);
  if (ba !== bb && ba !== 1 && bb !== 1) {
    throw new WebgradError(`webgrad: matmul: batch dimensions ${ba} and ${bb} do not broadcast for ${shapes}`);
  }
  if ((a.rank === 3 || b.rank === 3) && (ba === 0 || bb === 0)) {
    // An empty batch: an empty product, and zero gradients.
    const out = Tensor.empty([0, a.shape[a.rank - 2], b.shape[b.rank - 1]]);
    return record(out, 'matmul', [a, b], () => [a.requiresGrad ? zerosLike(a) : null, b.requiresGrad ? zerosLike(b) : null]);
  }
  const out = allOrNothing(() => gemmKernel(a, b));
  return record(out, 'matmul', [a, b], (g) => [
    a.requiresGrad ? tidy(() => gradA(a, b, g)) : null,
    b.requiresGrad ? tidy(() => gradB(a, b, g)) : null,
  ]);
}

/** dA = g · Bᵀ, summed over the batch entries that a was broadcast to. */
function gradA(a: Tensor, b: Tensor, g: Tensor): Tensor {
  const d = gemmKernel(g, b, { transB: true });
  return reduceBroadcast(d, a);
}

/** dB = Aᵀ · g; when b broadcasts over a batched a, the batch folds into the rows of one product. */
function gradB(a: Tensor, b: Tensor, g: Tensor): Tensor {
  if (batchOf(b) === 1 && batchOf(a) > 1) {
    const K = a.shape[2];
    const N = g.shape[2];
    const rows = a.shape[0] * a.shape[1];
    const d = gemmKernel(a.reshape([rows, K]), g.reshape([rows, N]), { transA: true });
    return d.reshape(b.shape);
  }
  return reduceBroadcast(gemmKernel(a, g, { transA: true }), b);
}

/** Sums a gradient [batch, r, c] over the batch when the operand (shape `like`) had none or 1. */
function reduceBroadcast(d: Tensor, like: Tensor): Tensor {
  if (d.rank === 3 && batchOf(like) === 1 && d.shape[0] !== 1) return sum(d, 0).reshape(like.shape);
  return d.reshape(like.shape);
}

/**
 * PyTorch's nn.Linear: y = x · weightᵀ + bias, with x [.., in], weight [out, in], bias [out];
 * returns [.., out]. The bias is added by the product's epilogue.
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  checkTensor(x, 'linear: x', 'float32');
  checkTensor(weight, 'linear: weight', 'float32');
  if (bias !== undefined && bias !== null) checkTensor(bias, 'linear: bias', 'float32');
  if (weight.rank !== 2) throw new WebgradError(`webgrad: linear: weight must be 2-D [out, in], got ${fmt(weight.shape)} (x ${fmt(x.shape)})`);
  const [outF, inF] = weight.shape;
  if (x.rank < 1 || x.shape[x.rank - 1] !== inF) {
    throw new WebgradError(`webgrad: linear: x ${fmt(x.shape)} must end in the weight's in-features ${inF} (weight ${fmt(weight.shape)})`);
  }
  if (bias && (bias.rank !== 1 || bias.shape[0] !== outF)) {
    throw new WebgradError(`webgrad: linear: bias ${fmt(bias.shape)} must be [${outF}] for weight ${fmt(weight.shape)}`);
  }
  const lead = x.shape.slice(0, -1);
  // Explicit row counts, not -1: a -1 beside a zero-size dimension is ambiguous.
  const rows = sizeOf(lead);
  const y = tidy(() => gemmKernel(view(x, [rows, inF]), weight, { transB: true, bias: bias ?? undefined }).reshape([...lead, outF]));
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record(y, 'linear', inputs, (g) =>
    tidy(() => {
      const g2 = g.reshape([rows, outF]);
      return [
        x.requiresGrad ? gemmKernel(g2, weight).reshape(x.shape) : null,
        weight.requiresGrad ? gemmKernel(g2, x.reshape([rows, inF]), { transA: true }) : null,
        bias?.requiresGrad ? sum(g2, 0) : null,
      ];
    }),
  );
}

import { WebgradError } from '../errors.js';
import { record } from '../graph/record.js';
import { gemmKernel } from '../kernels/gemm/gemm.js';
import { broadcastShapes, fmt, sizeOf } from '../tensor/shape.js';
import { allOrNothing, tidy } from '../graph/scope.js';
import { checkTensor, Tensor, view } from '../tensor/tensor.js';
import { sum } from './reduce.js';
import { zerosLike } from './creation.js';
import { expand } from './layout.js';

/** Batch entries of a 2-D or 3-D operand (a 2-D one broadcasts like a batch of 1). */
const batchOf = (t: Tensor): number => (t.rank === 3 ? t.shape[0] : 1);

/**
 * torch.matmul: a [.., M, K] times b [.., K, N] gives [.., M, N], the leading (batch) dimensions
 * broadcast; a 1-D a is a row [1, K] and a 1-D b a column [K, 1], their added dimension dropped
 * from the result (1-D by 1-D is the dot product, a 0-D tensor).
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  checkTensor(a, 'matmul: a', 'float32');
  checkTensor(b, 'matmul: b', 'float32');
  const shapes = `a ${fmt(a.shape)} and b ${fmt(b.shape)}`;
  if (a.rank === 0 || b.rank === 0) throw new WebgradError(`webgrad: matmul: a and b must have at least one dimension, got ${shapes}`);
  const K = a.shape[a.rank - 1];
  const Kb = b.shape[b.rank === 1 ? 0 : b.rank - 2];
  if (Kb !== K) throw new WebgradError(`webgrad: matmul: inner dimensions differ (${K} vs ${Kb}) for ${shapes}`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  if (a.rank <= 3 && b.rank <= 3 && a.rank >= 2 && b.rank >= 2) {
    const ba = batchOf(a);
    const bb = batchOf(b);
    if (ba !== bb && ba !== 1 && bb !== 1) throw new WebgradError(`webgrad: matmul: batch dimensions ${ba} and ${bb} do not broadcast for ${shapes}`);
    return matmul3(a, b);
  }
  const batch = broadcastShapes(batchA, batchB, `matmul (the batch dimensions of ${shapes})`);
  return tidy(() => {
    const M = a.rank === 1 ? 1 : a.shape[a.rank - 2];
    const N = b.rank === 1 ? 1 : b.shape[b.rank - 1];
    const count = sizeOf(batch);
    // Each operand as [count, rows, cols] (or [rows, cols] when it has no batch to broadcast over).
    const as3 = (t: Tensor, own: readonly number[], rows: number, cols: number): Tensor => {
      if (sizeOf(own) === 1) return t.reshape([rows, cols]);
      const full = own.length === batch.length && own.every((d, i) => d === batch[i]) ? t : expand(t.reshape([...own, rows, cols]), [...batch, rows, cols]);
      return full.reshape([count, rows, cols]);
    };
    const out = matmul3(as3(a, batchA, M, K), as3(b, batchB, K, N));
    return out.reshape([...batch, ...(a.rank === 1 ? [] : [M]), ...(b.rank === 1 ? [] : [N])]);
  });
}

/** The product of 2-D or 3-D operands whose batches broadcast (checked by matmul). */
function matmul3(a: Tensor, b: Tensor): Tensor {
  const ba = batchOf(a);
  const bb = batchOf(b);
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

/**
 * Causal self-attention forward and backward at a small GPT's size (batch 8, 4 heads, head size 32,
 * T 64 to 256): webgrad's fused kernels (scaledDotProductAttention), webgrad's composed form
 * (matmul, softmax, where: its own variant, no tfjs side) and tfjs's composed ops on the same adapter;
 * and both webgrad forms with dropout 0.1 on the weights (the same mask from the same seed).
 * One repetition is the forward and the gradients of sum(out · w) for q, k and v; the checked
 * result is q's gradient. FLOPs count the four products of backward and two of forward over all
 * L·S scores (causal masking skips about half of them).
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BenchCase, Side } from '../case.js';
import { mul, scaledDotProductAttention, sum, tensor, tidy, type Tensor } from '../../src/index.js';
import { attentionComposed } from '../../src/ops/attention-composed.js';
import { values } from './gemm.js';

const [B, H, E] = [8, 4, 32];

function attentionCase(T: number, form: 'fused' | 'composed', dropoutP = 0): BenchCase {
  const shape = [B, H, T, E];
  const n = B * H * T * E;
  let data: Float32Array[] | null = null;
  const inputs = () => (data ??= [1, 2, 3, 4].map((seed) => values(n, seed)));
  const scale = 1 / Math.sqrt(E);
  return {
    group: 'attention',
    name: `causal T ${T}${dropoutP > 0 ? ` dropout ${dropoutP}` : ''} ${form === 'fused' ? 'fused' : 'composed (webgrad ops)'}`,
    shape: `B ${B} H ${H} T ${T} E ${E}`,
    flops: 12 * B * H * T * T * E,
    rtol: 1e-3,
    quick: T === 64 && dropoutP === 0,
    async webgrad(): Promise<Side> {
      const [q, k, v] = inputs().slice(0, 3).map((d) => tensor(d, shape, { requiresGrad: true }));
      const w = tensor(inputs()[3], shape);
      const attend = (): Tensor =>
        form === 'fused'
          ? scaledDotProductAttention(q, k, v, { isCausal: true, dropoutP, seed: 5 })
          : attentionComposed(q, k, v, { mask: null, causal: true, dropoutP, seed: 5, scale });
      return {
        note: form === 'fused' ? 'attention_forward + attention_backward' : 'matmul, where, softmax',
        run() {
          for (const t of [q, k, v]) {
            t.grad?.dispose();
            t.grad = null;
          }
          tidy(() => sum(mul(attend(), w)).backward());
        },
        result: async () => (await q.grad!.toArray()) as Float32Array,
        dispose() {
          for (const t of [q, k, v, w]) t.dispose();
        },
      };
    },
    // tfjs draws other dropout masks: no peer for those cases (webgrad's own variants).
    tfjs:
      form === 'fused' && dropoutP === 0
        ? async (tf: typeof tfjs): Promise<Side> => {
            const [q, k, v, w] = inputs().map((d) => tf.tensor(d, shape));
            // −1e9 above the diagonal (tfjs has no −∞-safe where on webgpu for this), as composed GPT code does.
            const causal = tf.tidy(() => tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9));
            const f = (q: tfjs.Tensor, k: tfjs.Tensor, v: tfjs.Tensor): tfjs.Tensor => {
              const scores = tf.matMul(q, k, false, true).mul(scale).add(causal);
              return tf.matMul(tf.softmax(scores), v).mul(w).sum();
            };
            const grads = tf.grads(f as (...args: tfjs.Tensor[]) => tfjs.Tensor);
            let dq: tfjs.Tensor | null = null;
            return {
              run() {
                dq?.dispose();
                dq = tf.tidy(() => {
                  const [gq, gk, gv] = grads([q, k, v]);
                  gk.dispose();
                  gv.dispose();
                  return gq;
                });
              },
              result: async () => (await dq!.data()) as Float32Array,
              dispose() {
                dq?.dispose();
                for (const t of [q, k, v, w, causal]) t.dispose();
              },
            };
          }
        : undefined,
  };
}

export const cases: BenchCase[] = [
  ...[64, 128, 256].flatMap((T) => [attentionCase(T, 'fused'), attentionCase(T, 'composed')]),
  attentionCase(128, 'fused', 0.1),
  attentionCase(128, 'composed', 0.1),
];

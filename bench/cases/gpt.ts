/**
 * The GPT example's training step (examples/gpt, its default model: 2 pre-norm blocks, width 64,
 * 4 heads, the sorting task's 11 positions, batch 64): forward, cross-entropy on the answer
 * positions, backward, gradient clipping and AdamW with minGPT's decay groups, on webgrad and on the
 * same network written with tfjs ops (composed attention: batched matMul, a causal mask, softmax)
 * from the same initial weights and batch. The checked result is the first step's loss.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { BenchCase, Side } from '../case.js';
import { optim, type Tensor } from '../../src/index.js';
import { decayGroups, GPT, type GptConfig } from '../../examples/gpt/model.js';
import { batchSampler, makeBatch, makeTask, splitProblems } from '../../examples/gpt/task.js';
import { trainStep } from '../../examples/gpt/train.js';

const LR = 2e-3;
const BETAS = [0.9, 0.95] as const;
const WEIGHT_DECAY = 0.1;
const CLIP = 1;

type Weights = Record<string, { shape: number[]; data: Float32Array }>;

function gptStepCase(batch: number): BenchCase {
  const task = makeTask('sort');
  const config: GptConfig = { vocab: task.vocab, blockSize: task.promptLength + task.answerLength - 1, layers: 2, heads: 4, embed: 64, dropout: 0, tie: false };
  const data = makeBatch(task, batchSampler(splitProblems(task, 0).train, batch, 1)());
  const T = config.blockSize;
  const E = config.embed;
  const H = config.heads;
  const A = task.answerLength;
  let weights: Weights | null = null;
  // The parameters AdamW decays, by name (decayGroups' choice), for the tfjs side.
  let decayedNames: string[] = [];
  // Per token: 12·E² weights per layer (in_proj 3E², out_proj E², MLP 8E²) and the head; attention T·E per layer; ×3 for backward.
  const flops = 3 * 2 * batch * T * (config.layers * (12 * E * E + 2 * T * E) + E * config.vocab);
  return {
    group: 'training',
    name: `gpt step b${batch}`,
    shape: `[${batch},${T}] · ${config.layers}×(E ${E}, ${H} heads)`,
    flops,
    rtol: 1e-4,
    quick: true,
    async webgrad(): Promise<Side> {
      const model = new GPT(config, 5);
      weights = {};
      for (const [name, t] of Object.entries(model.stateDict())) weights[name] = { shape: [...t.shape], data: (await t.toArray()) as Float32Array };
      const groups = decayGroups(model, WEIGHT_DECAY);
      decayedNames = model.namedParameters().filter(([, t]) => groups[0].params.includes(t)).map(([name]) => name);
      const opt = new optim.AdamW(groups, { lr: LR, betas: BETAS, weightDecay: WEIGHT_DECAY });
      const schedule = new optim.CosineWarmupLR(opt, { warmupSteps: 0, totalSteps: 1000 });
      let first: Tensor | null = null;
      return {
        run() {
          const { loss, gradNorm } = trainStep(model, opt, schedule, task, data, { clip: CLIP });
          gradNorm?.dispose();
          if (first) loss.dispose();
          else first = loss;
        },
        result: async () => Float32Array.from(await first!.toArray()),
        dispose() {
          first?.dispose();
          opt.dispose();
          model.dispose();
        },
      };
    },
    async tfjs(tf: typeof tfjs): Promise<Side> {
      if (!weights) throw new Error('the webgrad side runs first and provides the initial weights');
      const w = weights;
      const v = (name: string) => tf.variable(tf.tensor(w[name].data, w[name].shape), true, name);
      const vars = Object.fromEntries(Object.keys(w).map((name) => [name, v(name)]));
      const decayed = decayedNames;
      const idx = tf.tensor2d(data.inputs, [batch, T], 'int32');
      const targets = tf.oneHot(tf.tensor1d(data.targets, 'int32'), config.vocab).toFloat();
      const mask = tf.linalg.bandPart(tf.ones([T, T]), -1, 0).sub(1).mul(1e9);
      const layerNorm = (x: tfjs.Tensor, prefix: string) => {
        const { mean, variance } = tf.moments(x, -1, true);
        return x.sub(mean).mul(variance.add(1e-5).rsqrt()).mul(vars[`${prefix}.weight`]).add(vars[`${prefix}.bias`]);
      };
      const linear = (x: tfjs.Tensor, weight: string, bias?: string) => {
        const y = tf.matMul(x.reshape([-1, x.shape[x.rank - 1]]), vars[weight], false, true);
        return (bias ? y.add(vars[bias]) : y).reshape([...x.shape.slice(0, -1), vars[weight].shape[0]]);
      };
      const geluTanh = (x: tfjs.Tensor) => x.mul(tf.sigmoid(x.add(x.pow(3).mul(0.044715)).mul(2 * Math.sqrt(2 / Math.PI))));
      const heads = (x: tfjs.Tensor) => x.reshape([batch, T, H, E / H]).transpose([0, 2, 1, 3]);
      const forward = () => {
        let x = tf.gather(vars['wte.weight'], idx).add(vars['wpe.weight']);
        for (let l = 0; l < config.layers; l++) {
          const b = `blocks.${l}`;
          const qkv = linear(layerNorm(x, `${b}.norm1`), `${b}.self_attn.in_proj_weight`, `${b}.self_attn.in_proj_bias`);
          const [q, k, vv] = tf.split(qkv, 3, -1).map(heads);
          const att = tf.softmax(tf.matMul(q, k, false, true).mul(1 / Math.sqrt(E / H)).add(mask));
          const y = tf.matMul(att, vv).transpose([0, 2, 1, 3]).reshape([batch, T, E]);
          x = x.add(linear(y, `${b}.self_attn.out_proj.weight`, `${b}.self_attn.out_proj.bias`));
          x = x.add(linear(geluTanh(linear(layerNorm(x, `${b}.norm2`), `${b}.linear1.weight`, `${b}.linear1.bias`)), `${b}.linear2.weight`, `${b}.linear2.bias`));
        }
        const logits = linear(layerNorm(x, 'ln_f'), 'head.weight');
        return logits.slice([0, task.promptLength - 1, 0], [batch, A, config.vocab]).reshape([batch * A, config.vocab]);
      };
      const adam = tf.train.adam(LR, BETAS[0], BETAS[1], 1e-8);
      let first: tfjs.Tensor | null = null;
      return {
        run() {
          tf.tidy(() => {
            const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(targets, forward()) as tfjs.Scalar);
            if (!first) first = tf.keep(value.clone());
            // clip_grad_norm_ and AdamW's decoupled decay (tfjs's Adam has none).
            const norm = Object.values(grads).map((g) => g.square().sum()).reduce((a, b) => a.add(b)).sqrt();
            const coef = tf.minimum(tf.scalar(CLIP).div(norm.add(1e-6)), 1);
            for (const name of decayed) vars[name].assign(vars[name].mul(1 - LR * WEIGHT_DECAY));
            adam.applyGradients(Object.fromEntries(Object.entries(grads).map(([n, g]) => [n, g.mul(coef)])));
          });
        },
        result: async () => Float32Array.from(await first!.data()),
        dispose() {
          first?.dispose();
          adam.dispose();
          for (const t of [idx, targets, mask, ...Object.values(vars)]) t.dispose();
        },
      };
    },
  };
}

export const cases: BenchCase[] = [gptStepCase(64)];

/**
 * One training step and the held-out evaluation of the GPT example; main.ts runs them in a loop,
 * test/examples/gpt-parity.test.ts against PyTorch.
 */
import { argmax, crossEntropy, narrow, noGrad, optim, tensor, tidy, type Tensor } from '../../src/index.js';
import type { GPT } from './model.js';
import { makeBatch, type Batch, type Task } from './task.js';

export interface StepOptions {
  /** Gradients clipped to this global norm (0: no clipping). */
  clip: number;
}

/**
 * One AdamW step on a batch: cross-entropy over the answer positions only (minGPT's ignore_index
 * on the prompt), gradients clipped, the schedule advanced. Returns the loss and the gradients'
 * norm before clipping (float32 [] on the GPU; the caller frees them).
 */
export function trainStep(model: GPT, opt: optim.AdamW, schedule: optim.CosineWarmupLR, task: Task, batch: Batch, options: StepOptions): { loss: Tensor; gradNorm: Tensor | null } {
  const t = task.promptLength + task.answerLength - 1;
  const result = tidy(() => {
    opt.zeroGrad();
    const logits = model.forward(tensor(batch.inputs, [batch.batch, t], { dtype: 'int32' }));
    const answer = narrow(logits, 1, task.promptLength - 1, task.answerLength).reshape([batch.batch * task.answerLength, task.vocab]);
    const loss = crossEntropy(answer, tensor(batch.targets, [batch.targets.length], { dtype: 'int32' }));
    loss.backward();
    const gradNorm = options.clip > 0 ? optim.clipGradNorm(model.parameters(), options.clip) : null;
    opt.step();
    return { loss, gradNorm };
  });
  schedule.step();
  return result;
}

/**
 * Greedy answers to problems `ids`: the prompt, then one token at a time, each the most likely
 * after what came before. Returns the answers (row-major [ids.length, answerLength]).
 */
export async function solve(model: GPT, task: Task, ids: readonly number[], chunk = 500): Promise<Int32Array> {
  const out = new Int32Array(ids.length * task.answerLength);
  const wasTraining = model.training;
  model.eval();
  for (let start = 0; start < ids.length; start += chunk) {
    const part = ids.slice(start, start + chunk);
    const n = part.length;
    const seq = part.map((id) => task.sequence(id).slice(0, task.promptLength));
    for (let k = 0; k < task.answerLength; k++) {
      const len = task.promptLength + k;
      const next = noGrad(() =>
        tidy(() => {
          const logits = model.forward(tensor(Int32Array.from(seq.flat()), [n, len], { dtype: 'int32' }));
          return argmax(narrow(logits, 1, len - 1, 1).reshape([n, task.vocab]), -1);
        }),
      );
      const tokens = (await next.toArray()) as Int32Array;
      next.dispose();
      seq.forEach((s, r) => s.push(tokens[r]));
    }
    seq.forEach((s, r) => out.set(s.slice(task.promptLength), (start + r) * task.answerLength));
  }
  model.train(wasTraining);
  return out;
}

/** The fraction of problems `ids` whose whole greedy answer is right. */
export async function accuracy(model: GPT, task: Task, ids: readonly number[]): Promise<number> {
  const answers = await solve(model, task, ids);
  const { targets } = makeBatch(task, ids);
  let right = 0;
  for (let r = 0; r < ids.length; r++) {
    let ok = true;
    for (let k = 0; k < task.answerLength && ok; k++) ok = answers[r * task.answerLength + k] === targets[r * task.answerLength + k];
    if (ok) right++;
  }
  return right / ids.length;
}

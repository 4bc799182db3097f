// A consumer's model, the same file for Node and the browser: a small conv net trained with SGD on
// fixed synthetic images (stripes), returning the loss of each step.
import { crossEntropy, memory, nn, optim, tensor, tidy } from 'webgrad-wgsl';

const N = 16;

/** Deterministic inputs (mulberry32), never exactly zero. */
function values(n: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1 || 1e-3;
  }
  return out;
}

export async function trainSmallModel(steps = 8): Promise<{ losses: number[]; liveBuffers: number[] }> {
  const noise = values(N * 64, 1);
  const images = new Float32Array(N * 64);
  const labels: number[] = [];
  for (let i = 0; i < N; i++) {
    const label = i % 2;
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) images[i * 64 + r * 8 + c] = ((label ? c : r) % 2 ? 1 : -1) + 0.3 * noise[i * 64 + r * 8 + c];
    labels.push(label);
  }
  const x = tensor(images, [N, 1, 8, 8]);
  const y = tensor(labels, [N], { dtype: 'int32' });
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, seed: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(4 * 4 * 4, 2, { seed: 3 }),
  );
  const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
  const losses: number[] = [];
  const liveBuffers: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = tidy(() => {
      opt.zeroGrad();
      const l = crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      return l;
    });
    losses.push(await loss.item());
    loss.dispose();
    liveBuffers.push(memory().liveBuffers);
  }
  opt.dispose();
  model.dispose();
  x.dispose();
  y.dispose();
  return { losses, liveBuffers };
}

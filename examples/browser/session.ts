/**
 * What the page does, without the page: CIFAR-10 batch files, alexnet-small trained with SGD,
 * a checkpoint of the AlexNet example loaded, test images classified. Only the browser entry of
 * webgrad is used, so the end-to-end test runs this same module in Node for its reference.
 */
import { crossEntropy, decodeSafetensors, nn, noGrad, optim, prepareImages, tensor, tidy, uploadBytes, type Tensor } from '../../src/index.js';
import { AlexNet } from '../alexnet-cifar/models.js';
import { CifarError, IMAGE_BYTES, parseRecords, type CifarSplit } from '../alexnet-cifar/data/cifar-format.js';

export const CLASS_NAMES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
/** CIFAR-10's per-channel training-set mean (pixel / 255), which the inputs are centred on. */
export const CIFAR10_MEAN = [0.4914, 0.4822, 0.4465];
/** A CIFAR-10 batch file's images (count × 3072 bytes: red, green and blue 32×32 planes) and labels. */
export type CifarBatch = CifarSplit;

/** A CIFAR-10 binary batch file (data_batch_N.bin, test_batch.bin); `name` names it in errors. */
export function parseCifarBatch(bytes: Uint8Array, name: string): CifarBatch {
  if (bytes.length === 0) throw new CifarError(`CIFAR-10: ${name} is empty`);
  return parseRecords(bytes, name);
}

/** Images start … start + n − 1 (wrapping around) as a float32 [n, 3, 32, 32] tensor, and their labels. */
export function batchInput(data: CifarBatch, start: number, n: number): { x: Tensor; labels: Int32Array } {
  const bytes = new Uint8Array(n * IMAGE_BYTES);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = (start + i) % data.count;
    bytes.set(data.images.subarray(k * IMAGE_BYTES, (k + 1) * IMAGE_BYTES), i * IMAGE_BYTES);
    labels[i] = data.labels[k];
  }
  const pixels = uploadBytes(bytes);
  try {
    return { x: prepareImages(pixels, { n, inSize: 32, mean: CIFAR10_MEAN }), labels };
  } finally {
    pixels.dispose();
  }
}

/** alexnet-small and its SGD optimiser (the AlexNet example's settings). */
export class Session {
  readonly model: AlexNet;
  readonly opt: optim.SGD;

  /**
   * `init`: the AlexNet example's default, He ('kaiming'), draws normal numbers with WGSL's log and
   * cos, whose accuracy WebGPU leaves to each implementation: the starting weights then differ
   * slightly from adapter to adapter. 'torch' (uniform) gives the same weights everywhere.
   */
  constructor(options: { seed?: number; lr?: number; init?: nn.InitScheme } = {}) {
    this.model = new AlexNet('alexnet-small', { seed: options.seed ?? 0, init: options.init });
    this.opt = new optim.SGD(this.model.parameters(), { lr: options.lr ?? 0.01, momentum: 0.9, weightDecay: 5e-4 });
  }

  /** One SGD step on images start … start + n − 1; returns the batch's loss. */
  async trainStep(data: CifarBatch, start: number, n: number): Promise<number> {
    this.model.train();
    const { x, labels } = batchInput(data, start, n);
    const loss = tidy(() => {
      this.opt.zeroGrad();
      const l = crossEntropy(this.model.forward(x), tensor(labels, [n], { dtype: 'int32' }));
      l.backward();
      this.opt.step();
      return l;
    });
    x.dispose();
    const value = await loss.item();
    loss.dispose();
    return value;
  }

  /**
   * Loads the parameters of a checkpoint written by the AlexNet example (`model.` + PyTorch names),
   * or of a safetensors file holding the model's names alone.
   */
  loadCheckpoint(bytes: Uint8Array): { metadata: Record<string, string> } {
    const decoded = decodeSafetensors(bytes);
    const own = Object.keys(this.model.stateDict());
    const state: Record<string, Tensor> = {};
    try {
      for (const name of own) {
        const stored = decoded.tensors[`model.${name}`] ?? decoded.tensors[name];
        if (!stored) throw new Error(`the checkpoint has no tensor '${name}' (nor 'model.${name}'): not an alexnet-small checkpoint?`);
        state[name] = tensor(stored.data, stored.shape);
      }
      this.model.loadStateDict(state);
    } finally {
      for (const t of Object.values(state)) t.dispose();
    }
    return { metadata: decoded.metadata };
  }

  /** The model's logits ([n, 10], row by row) for images start … start + n − 1, in eval mode. */
  async logits(data: CifarBatch, start: number, n: number): Promise<Float32Array> {
    this.model.eval();
    const { x } = batchInput(data, start, n);
    const out = noGrad(() => this.model.forward(x));
    x.dispose();
    const values = Float32Array.from(await out.toArray());
    out.dispose();
    return values;
  }

  dispose(): void {
    this.opt.dispose();
    this.model.dispose();
  }
}

/** The index of each row's largest logit. */
export function predictions(logits: Float32Array, classes = 10): number[] {
  const out: number[] = [];
  for (let r = 0; r < logits.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[r * classes + c] > logits[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

/**
 * The networks of the example, with PyTorch's parameter names (`features.0.weight`, …).
 *
 * `alexnet`: the AlexNet paper's network at 224×224 (single-tower, as torchvision and the
 * reference reproduction build it): 5 convolutions with LRN after the first two, 3 overlapping
 * max-pools, 3 fully-connected layers with dropout.
 * `alexnet-small`: the same layer types at CIFAR's 32×32, about 6× fewer FLOPs per image.
 * `alexnet-seed`: the reference script's own network (ReferenceAlexNet below).
 */
import { nn, type Tensor } from '../../src/index.js';
import { patternInit } from './pattern.js';

export const MODEL_NAMES = ['alexnet', 'alexnet-small', 'alexnet-seed'] as const;
export type ModelName = (typeof MODEL_NAMES)[number];
/** webgrad's schemes, or 'pattern': PyTorch's default bounds filled by pattern.ts's hash, which reference/pattern.py reproduces bit for bit. */
export type InitName = nn.InitScheme | 'pattern';
export const INIT_NAMES: readonly InitName[] = [...nn.INIT_SCHEMES, 'pattern'];

/** Input side of each model. */
export const INPUT_SIZE: Record<ModelName, number> = { alexnet: 224, 'alexnet-small': 32, 'alexnet-seed': 224 };

/** Outputs of each model's last layer (the reference's has ImageNet's 1000, trained on CIFAR's labels 0–9). */
export const OUTPUTS: Record<ModelName, number> = { alexnet: 10, 'alexnet-small': 10, 'alexnet-seed': 1000 };

interface Widths {
  conv: [number, number, number, number, number];
  kernels: [number, number];
  conv1Stride: number;
  conv1Padding: number;
  fc: number;
  flat: number;
}

const WIDTHS: Record<ModelName, Widths> = {
  // 224 → conv1 (11, s4, p2) 55 → pool 27 → conv2 27 → pool 13 → conv3-5 13 → pool 6: 256·6·6 = 9216
  alexnet: { conv: [96, 256, 384, 384, 256], kernels: [11, 5], conv1Stride: 4, conv1Padding: 2, fc: 4096, flat: 9216 },
  // 32 → conv1 (5, p2) 32 → pool 15 → conv2 15 → pool 7 → conv3-5 7 → pool 3: 256·3·3 = 2304
  'alexnet-small': { conv: [64, 192, 384, 256, 256], kernels: [5, 5], conv1Stride: 1, conv1Padding: 2, fc: 1024, flat: 2304 },
  'alexnet-seed': { conv: [96, 256, 384, 384, 256], kernels: [11, 5], conv1Stride: 4, conv1Padding: 2, fc: 4096, flat: 9216 },
};

export class AlexNet extends nn.Module {
  readonly features: nn.Sequential;
  readonly flatten: nn.Flatten;
  readonly classifier: nn.Sequential;

  constructor(readonly variant: ModelName, options: { classes?: number; dropout?: number; init?: nn.InitScheme; seed?: number } = {}) {
    super();
    const w = WIDTHS[variant];
    const init = options.init ?? (defaultInit(variant) as nn.InitScheme);
    const p = options.dropout ?? 0.5;
    // The paper's scheme sets the biases of conv2, conv4, conv5 and the hidden FC layers to 1.
    const layer = { init };
    const one = { init, paperBias: 1 };
    const lrn = () => new nn.LocalResponseNorm(5, { alpha: 1e-4, beta: 0.75, k: 2 });
    const pool = () => new nn.MaxPool2d(3, { stride: 2 });
    this.features = this.addModule(
      'features',
      new nn.Sequential(
        new nn.Conv2d(3, w.conv[0], w.kernels[0], { stride: w.conv1Stride, padding: w.conv1Padding, ...layer }),
        new nn.ReLU(),
        lrn(),
        pool(),
        new nn.Conv2d(w.conv[0], w.conv[1], w.kernels[1], { padding: 2, ...one }),
        new nn.ReLU(),
        lrn(),
        pool(),
        new nn.Conv2d(w.conv[1], w.conv[2], 3, { padding: 1, ...layer }),
        new nn.ReLU(),
        new nn.Conv2d(w.conv[2], w.conv[3], 3, { padding: 1, ...one }),
        new nn.ReLU(),
        new nn.Conv2d(w.conv[3], w.conv[4], 3, { padding: 1, ...one }),
        new nn.ReLU(),
        pool(),
      ),
    );
    this.flatten = this.addModule('flatten', new nn.Flatten());
    this.classifier = this.addModule(
      'classifier',
      new nn.Sequential(
        new nn.Linear(w.flat, w.fc, one),
        new nn.ReLU(),
        new nn.Dropout(p),
        new nn.Linear(w.fc, w.fc, one),
        new nn.ReLU(),
        new nn.Dropout(p),
        new nn.Linear(w.fc, options.classes ?? OUTPUTS[variant], layer),
      ),
    );
    nn.initialise(this, init, { seed: options.seed ?? 0 });
  }

  forward(x: Tensor): Tensor {
    return this.classifier.forward(this.flatten.forward(this.features.forward(x)));
  }
}

/**
 * The reference script's network, exactly (reference/model.py is its PyTorch text): one
 * Sequential named `mode1`, so that the parameters are `mode1.0.weight`, `mode1.0.bias`,
 * `mode1.4.weight`, … as its state_dict; LRN over 96 and then 256 channels (alpha 1e-4, beta 0.75,
 * k 2); 1000 outputs; dropout 0.5 (its Dropout2d drops single elements on a 2-D input in PyTorch
 * 1.x); PyTorch's default initialisation.
 */
export class ReferenceAlexNet extends nn.Module {
  readonly mode1: nn.Sequential;

  constructor(options: { dropout?: number; init?: nn.InitScheme; seed?: number } = {}) {
    super();
    const init = options.init ?? 'torch';
    const layer = { init };
    const p = options.dropout ?? 0.5;
    const lrn = (size: number) => new nn.LocalResponseNorm(size, { alpha: 1e-4, beta: 0.75, k: 2 });
    const pool = () => new nn.MaxPool2d(3, { stride: 2 });
    this.mode1 = this.addModule(
      'mode1',
      new nn.Sequential(
        new nn.Conv2d(3, 96, 11, { stride: 4, padding: 2, ...layer }), // 0
        new nn.ReLU(),
        lrn(96),
        pool(),
        new nn.Conv2d(96, 256, 5, { padding: 2, ...layer }), // 4
        new nn.ReLU(),
        lrn(256),
        pool(),
        new nn.Conv2d(256, 384, 3, { padding: 1, ...layer }), // 8
        new nn.ReLU(),
        new nn.Conv2d(384, 384, 3, { padding: 1, ...layer }), // 10
        new nn.ReLU(),
        new nn.Conv2d(384, 256, 3, { padding: 1, ...layer }), // 12
        new nn.ReLU(),
        pool(),
        new nn.Flatten(), // 15
        new nn.Linear(9216, 4096, layer), // 16
        new nn.ReLU(),
        new nn.Dropout(p),
        new nn.Linear(4096, 4096, layer), // 19
        new nn.ReLU(),
        new nn.Dropout(p),
        new nn.Linear(4096, OUTPUTS['alexnet-seed'], layer), // 22
      ),
    );
    nn.initialise(this, init, { seed: options.seed ?? 0 });
  }

  forward(x: Tensor): Tensor {
    return this.mode1.forward(x);
  }
}

/** The network named by `model`; init 'pattern' fills PyTorch's default bounds from pattern.ts's hash of `seed`. */
export function createModel(model: ModelName, options: { dropout?: number; init?: InitName; seed?: number } = {}): nn.Module {
  const init = options.init === 'pattern' ? 'torch' : options.init;
  const built = model === 'alexnet-seed' ? new ReferenceAlexNet({ ...options, init }) : new AlexNet(model, { ...options, init });
  if (options.init === 'pattern') patternInit(built, options.seed ?? 0);
  return built;
}

/**
 * He initialisation for `alexnet` and `alexnet-small`, by measurement; `alexnet-seed` keeps the
 * reference's PyTorch initialisation, since it is the reference's program. In PyTorch on CIFAR-10 (alexnet-small, one
 * epoch, the reference's SGD settings) the paper's and PyTorch's initialisations left the loss at
 * chance (2.303) for the whole epoch, where He initialisation learned (47.1% test accuracy). The
 * faithful model was to keep the reference's PyTorch initialisation unless it stalled too, and it
 * did here (NVIDIA H200, first 10,000 training images, batch 128): its loss stayed within 2.300 to
 * 2.306 through the first epoch, where He initialisation's fell to 1.90 (33.9% test accuracy after
 * that epoch). README.md has the figures.
 */
export function defaultInit(model: ModelName): InitName {
  return model === 'alexnet-seed' ? 'torch' : 'kaiming';
}

/** Forward FLOPs per image (multiply-adds × 2) of the convolutions and FC layers. */
export function forwardFlops(model: ModelName): number {
  const w = WIDTHS[model];
  const s = INPUT_SIZE[model];
  const conv = (cin: number, cout: number, k: number, out: number) => 2 * cin * cout * k * k * out * out;
  const o1 = Math.floor((s + 2 * w.conv1Padding - w.kernels[0]) / w.conv1Stride) + 1;
  const p1 = Math.floor((o1 - 3) / 2) + 1;
  const p2 = Math.floor((p1 - 3) / 2) + 1;
  return (
    conv(3, w.conv[0], w.kernels[0], o1) +
    conv(w.conv[0], w.conv[1], w.kernels[1], p1) +
    conv(w.conv[1], w.conv[2], 3, p2) +
    conv(w.conv[2], w.conv[3], 3, p2) +
    conv(w.conv[3], w.conv[4], 3, p2) +
    2 * (w.flat * w.fc + w.fc * w.fc + w.fc * OUTPUTS[model])
  );
}

/** Bytes of the largest activation of one image (conv1's output), which bounds a micro-batch. */
export function largestActivationBytes(model: ModelName): number {
  const w = WIDTHS[model];
  const o1 = Math.floor((INPUT_SIZE[model] + 2 * w.conv1Padding - w.kernels[0]) / w.conv1Stride) + 1;
  return w.conv[0] * o1 * o1 * 4;
}

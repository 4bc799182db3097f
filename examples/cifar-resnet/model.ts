/**
 * A small residual network for 32×32 images (He et al.'s CIFAR ResNet, one block a stage): a 3×3 stem,
 * three stages of basic blocks (conv-BN-ReLU-conv-BN plus a shortcut, then ReLU) at widths w, 2w, 4w,
 * the last two halving the resolution (a strided 1×1 conv with BN on the shortcut), global average
 * pooling and a linear classifier. Convolutions have no bias, as BatchNorm follows each.
 */
import { add, nn, relu, type Tensor } from '../../src/index.js';

export interface ResNetOptions {
  /** Channels of the first stage (default 16). */
  width?: number;
  /** Basic blocks per stage (default 1). */
  blocks?: number;
  classes?: number;
  seed?: number;
}

class BasicBlock extends nn.Module {
  private readonly conv1: nn.Conv2d;
  private readonly bn1: nn.BatchNorm2d;
  private readonly conv2: nn.Conv2d;
  private readonly bn2: nn.BatchNorm2d;
  private readonly shortcut: nn.Sequential | null;

  constructor(inChannels: number, outChannels: number, stride: number, seed: number) {
    super();
    const conv = (i: number, o: number, k: number, s: number, part: number) =>
      new nn.Conv2d(i, o, k, { stride: s, padding: (k - 1) / 2, bias: false, init: 'kaiming', seed: seed * 10 + part });
    this.conv1 = this.addModule('conv1', conv(inChannels, outChannels, 3, stride, 1));
    this.bn1 = this.addModule('bn1', new nn.BatchNorm2d(outChannels));
    this.conv2 = this.addModule('conv2', conv(outChannels, outChannels, 3, 1, 2));
    this.bn2 = this.addModule('bn2', new nn.BatchNorm2d(outChannels));
    this.shortcut =
      stride !== 1 || inChannels !== outChannels
        ? this.addModule('shortcut', new nn.Sequential(conv(inChannels, outChannels, 1, stride, 3), new nn.BatchNorm2d(outChannels)))
        : null;
  }

  forward(x: Tensor): Tensor {
    const y = this.bn2.forward(this.conv2.forward(relu(this.bn1.forward(this.conv1.forward(x)))));
    return relu(add(y, this.shortcut ? this.shortcut.forward(x) : x));
  }
}

export class ResNet extends nn.Module {
  private readonly stem: nn.Sequential;
  private readonly stages: nn.Sequential;
  private readonly pool = new nn.AdaptiveAvgPool2d(1);
  private readonly fc: nn.Linear;

  constructor(options: ResNetOptions = {}) {
    super();
    const w = options.width ?? 16;
    const blocks = options.blocks ?? 1;
    const seed = options.seed ?? 0;
    this.stem = this.addModule(
      'stem',
      new nn.Sequential(new nn.Conv2d(3, w, 3, { padding: 1, bias: false, init: 'kaiming', seed }), new nn.BatchNorm2d(w), new nn.ReLU()),
    );
    const layers: nn.Module[] = [];
    let channels = w;
    [w, 2 * w, 4 * w].forEach((out, stage) => {
      for (let b = 0; b < blocks; b++) {
        layers.push(new BasicBlock(channels, out, stage > 0 && b === 0 ? 2 : 1, seed + 1 + stage * blocks + b));
        channels = out;
      }
    });
    this.stages = this.addModule('stages', new nn.Sequential(...layers));
    this.fc = this.addModule('fc', new nn.Linear(channels, options.classes ?? 10, { seed: seed + 1000 }));
  }

  /** Class scores [N, classes] of images [N, 3, 32, 32]. */
  forward(x: Tensor): Tensor {
    return this.fc.forward(this.pool.forward(this.stages.forward(this.stem.forward(x))).flatten(1));
  }
}

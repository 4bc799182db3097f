/**
 * npm run cifar-resnet -- [options] (USAGE below, --help)
 * Trains the small ResNet of model.ts on CIFAR-10 with Adam, random crops and flips, reporting each
 * epoch's training loss, test loss and accuracy (see README.md beside this file).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adapterInfo, data, flush, init, keep, logSoftmax, memory, nllLoss, noGrad, optim, release, tidy, WebgradError, type Tensor } from '../../src/node.js';
import { nonNegative, nonNegativeInt, parseFlags, positiveInt, runCli } from '../../scripts/cli.js';
import { CifarDataset, CifarError, ensureCifar10, loadCifar10, rgbPca, takeSubset, type CifarSplit, type InputConfig } from '../alexnet-cifar/data/index.js';
import { ResNet } from './model.js';

export const USAGE = `npm run cifar-resnet -- [options]

Trains the small ResNet of examples/cifar-resnet/model.ts on CIFAR-10 with Adam (README.md beside it).

  --data PATH          CIFAR-10 folder, .tar.gz or .tar.xz (default: ~/.cache/webgrad/cifar10, downloaded if absent)
  --epochs N           epochs (3)
  --batch N            batch size (64)
  --lr X               Adam's learning rate (0.002)
  --width N            channels of the first stage (16)
  --train-subset N     use the first N training images
  --test-subset N      use the first N test images
  --seed N             seed of initialisation, shuffling and augmentation (1)
  -h, --help           print this and exit`;

interface Options {
  data: string | undefined;
  epochs: number;
  batch: number;
  lr: number;
  width: number;
  trainSubset: number | undefined;
  testSubset: number | undefined;
  seed: number;
}

/** The options, or null for --help; a UsageError for anything else it does not understand. */
export function parseOptions(argv: string[]): Options | null {
  const { values: v } = parseFlags({
    args: argv,
    options: {
      data: { type: 'string' },
      epochs: { type: 'string', default: '3' },
      batch: { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.002' },
      width: { type: 'string', default: '16' },
      'train-subset': { type: 'string' },
      'test-subset': { type: 'string' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (v.help) return null;
  const optional = (flag: string, value: string | undefined) => (value === undefined ? undefined : positiveInt(flag, value));
  return {
    data: v.data,
    epochs: positiveInt('epochs', v.epochs),
    batch: positiveInt('batch', v.batch),
    lr: nonNegative('lr', v.lr),
    width: positiveInt('width', v.width),
    trainSubset: optional('train-subset', v['train-subset']),
    testSubset: optional('test-subset', v['test-subset']),
    seed: nonNegativeInt('seed', v.seed),
  };
}

/** Mean loss over the split and accuracy, with the running BatchNorm statistics (eval mode). */
async function evaluate(model: ResNet, split: CifarSplit, input: InputConfig): Promise<{ loss: number; accuracy: number }> {
  model.eval();
  let lossSum = 0;
  let correct = 0;
  for await (const [x, y] of new data.DataLoader(new CifarDataset(split, input), { batchSize: 200 })) {
    const { loss, hits } = noGrad(() =>
      tidy(() => {
        const logits = model.forward(x);
        return { loss: nllLoss(logSoftmax(logits, 1), y), hits: logits.countCorrect(y) };
      }),
    );
    lossSum += (await loss.item()) * y.shape[0];
    correct += await hits.item();
    loss.dispose();
    hits.dispose();
  }
  model.train();
  return { loss: lossSum / split.count, accuracy: correct / split.count };
}

async function main(argv: string[]): Promise<number> {
  const o = parseOptions(argv);
  if (!o) {
    console.log(USAGE);
    return 0;
  }
  const { epochs, batch, seed } = o;
  await init();
  const adapter = adapterInfo();
  console.log(`adapter: ${adapter.description || adapter.device || adapter.vendor}${adapter.software ? ' (software)' : ''}`);
  const source = await ensureCifar10({ dataDir: o.data });
  const cifar = await loadCifar10(source);
  const train = takeSubset(cifar.train, o.trainSubset);
  const test = takeSubset(cifar.test, o.testSubset);
  const stats = rgbPca(cifar.train.images);
  const std = [0.247, 0.243, 0.261];
  const input: InputConfig = { outSize: 32, mean: stats.mean, std, augment: { padding: 4, flip: true } };
  const evalInput: InputConfig = { outSize: 32, mean: stats.mean, std };

  const model = new ResNet({ width: o.width, seed });
  const opt = new optim.Adam(model.parameters(), { lr: o.lr });
  console.log(`ResNet: ${model.parameterCount().toLocaleString('en')} parameters; ${train.count} training, ${test.count} test images; batch ${batch}, Adam lr ${opt.lr}`);

  // Shuffled from the run's seed (epoch by epoch), each batch augmented from (seed, epoch, batch).
  const loader = new data.DataLoader(new CifarDataset(train, input, seed), { batchSize: batch, shuffle: true, seed, dropLast: true });
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    let lossSum = 0;
    let seen = 0;
    // The loss of step t is read after step t + 1 is submitted, so that the GPU never waits for JavaScript.
    let pending: { loss: Tensor; n: number } | null = null;
    const settle = async () => {
      if (!pending) return;
      lossSum += (await pending.loss.item()) * pending.n;
      seen += pending.n;
      pending.loss.dispose();
      pending = null;
    };
    for await (const [x, y] of loader.epoch(epoch)) {
      const loss = tidy(() => {
        const l = nllLoss(logSoftmax(model.forward(x), 1), y);
        opt.zeroGrad();
        l.backward();
        opt.step();
        return keep(l);
      });
      flush();
      await settle();
      pending = { loss, n: x.shape[0] };
    }
    await settle();
    const seconds = (performance.now() - started) / 1000;
    const evaluation = await evaluate(model, test, evalInput);
    console.log(
      `epoch ${epoch}: train loss ${(lossSum / seen).toFixed(4)}, test loss ${evaluation.loss.toFixed(4)}, ` +
        `test accuracy ${(100 * evaluation.accuracy).toFixed(1)}%, ${(seen / seconds).toFixed(1)} images/s training`,
    );
  }
  const live = memory();
  console.log(`GPU memory: ${live.liveBuffers} live buffers, ${(live.liveBytes / 2 ** 20).toFixed(1)} MiB`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  runCli('cifar-resnet', () => main(process.argv.slice(2)), {
    expected: (error) => error instanceof CifarError || error instanceof WebgradError,
    cleanup: release,
  });
}

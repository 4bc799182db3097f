/**
 * The example's options: defaults are the reference run's configuration (a PyTorch AlexNet on
 * CIFAR-10 resized to 224, SGD lr 0.01, momentum 0.9, weight decay 5e-4, batch 128, 20 epochs).
 */
import { UsageError, nonNegative, nonNegativeInt, oneOf, parseFlags, positiveInt } from '../../scripts/cli.js';
import { INIT_NAMES, MODEL_NAMES, defaultInit, type InitName, type ModelName } from './models.js';

export const AUGMENTATIONS = ['crop', 'flip', 'pca'] as const;
export type Augmentation = (typeof AUGMENTATIONS)[number];
export const SCHEDULES = ['none', 'step', 'plateau'] as const;
export type Schedule = (typeof SCHEDULES)[number];

export interface Config {
  model: ModelName;
  epochs: number;
  batch: number;
  evalBatch: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  dropout: number;
  seed: number;
  augment: Augmentation[];
  schedule: Schedule;
  /** StepLR's period in epochs, and ReduceLROnPlateau's patience. */
  scheduleEpochs: number;
  init: InitName;
  initFrom: string | null;
  data: string | null;
  out: string | null;
  logEvery: number;
  maxSteps: number | null;
  trainSubset: number | null;
  testSubset: number | null;
  order: 'shuffle' | 'sequential';
  mean: [number, number, number] | null;
  resume: string | null;
  png: boolean;
  /** Dawn's robustness transform (`--no-robustness` turns it off: init's `robustness`). */
  robustness: boolean;
  /** init's `gemm` and `conv` (null: the adapter's defaults). */
  gemm: 'registers' | 'workgroup' | 'texture' | null;
  conv: 'implicit' | 'im2col' | 'winograd' | null;
  /** init's autotune: { file }: the GEMM autotuner's tables kept in (and shared through) this file. */
  autotuneFile: string | null;
}

export const HELP = `npm run alexnet -- [options]

Trains AlexNet on CIFAR-10 as the AlexNet paper describes (defaults: the reference run).

  --model alexnet|alexnet-small|alexnet-seed
                                  alexnet: the paper's network at 224×224 (default); alexnet-small: 32×32;
                                  alexnet-seed: the reference script's own network (LRN over 96/256 channels,
                                  1000 outputs; defaults --init torch --mean 0.4915,0.4823,0.4468)
  --epochs N                      epochs (20)
  --batch N                       batch size (128)
  --eval-batch N                  batch size for the test set (--batch)
  --lr X --momentum X --weight-decay X    SGD (0.01, 0.9, 5e-4)
  --dropout P                     dropout probability of the FC layers (0.5)
  --seed N                        seed of initialisation, shuffling, augmentation and dropout (0)
  --augment LIST                  comma list of crop, flip, pca, or none (none)
  --schedule none|step|plateau    lr ÷10 every --schedule-epochs (step) or when the test loss stops improving (plateau)
  --schedule-epochs N             StepLR period / plateau patience in epochs (step: 8, plateau: 2)
  --init torch|paper|kaiming|pattern   initialisation (default kaiming, alexnet-seed: torch; README.md);
                                  pattern: PyTorch's bounds from a hash of --seed, as reference/train.py --init pattern
  --init-from FILE.safetensors    load initial weights (PyTorch names, or the model's order)
  --data PATH                     CIFAR-10 folder or archive (default: ~/.cache/webgrad/cifar10, downloaded if absent)
  --out DIR                       run folder (default: runs/<model>-<date>)
  --log-every N                   write every Nth step's loss to steps.jsonl (1)
  --max-steps N                   stop after N optimizer steps in all (a checkpoint is written)
  --train-subset N --test-subset N   use the first N images of a split
  --order shuffle|sequential      batch order (shuffle, from --seed and the epoch)
  --mean R,G,B                    per-channel mean of pixel/255 to subtract (default: the training set's;
                                  alexnet-seed: the reference's 0.4915,0.4823,0.4468)
  --resume RUN_DIR                continue a run from its last checkpoint (its config; --epochs/--max-steps may extend it)
  --png                           also write PNG figures (@resvg/resvg-js, a devDependency)
  --no-robustness                 Dawn without its robustness transform (init's robustness: false)
  --gemm registers|workgroup|texture  --conv implicit|im2col|winograd
                                  the GEMM kernel and conv2d's form (default: the adapter's; README.md's init options)
  --autotune-file FILE            keep the GEMM autotuner's tables in FILE, shared with other runs (turns autotuning on)
  --help`;

/** A mistake in the options, or in the files they name (exit status 2). */
export { UsageError as ConfigError };

const OPTIONS = {
  model: { type: 'string' }, epochs: { type: 'string' }, batch: { type: 'string' }, 'eval-batch': { type: 'string' },
  lr: { type: 'string' }, momentum: { type: 'string' }, 'weight-decay': { type: 'string' }, dropout: { type: 'string' },
  seed: { type: 'string' }, augment: { type: 'string' }, schedule: { type: 'string' }, 'schedule-epochs': { type: 'string' },
  init: { type: 'string' }, 'init-from': { type: 'string' }, data: { type: 'string' }, out: { type: 'string' },
  'log-every': { type: 'string' }, 'max-steps': { type: 'string' }, 'train-subset': { type: 'string' },
  'test-subset': { type: 'string' }, order: { type: 'string' }, mean: { type: 'string' }, resume: { type: 'string' },
  png: { type: 'boolean' }, 'no-robustness': { type: 'boolean' }, gemm: { type: 'string' }, conv: { type: 'string' }, help: { type: 'boolean', short: 'h' },
  'autotune-file': { type: 'string' },
} as const;

/** Parses the command line; `null` means --help was asked for. Flags given with --resume override the saved config. */
export function parseConfig(argv: string[], saved?: Config): { config: Config; given: Set<string> } | null {
  const parsed = parseFlags({ args: argv, options: OPTIONS, allowPositionals: false });
  const v = parsed.values as Record<string, string | boolean | undefined>;
  if (v.help) return null;
  const given = new Set(Object.keys(v).filter((k) => v[k] !== undefined));
  const model = oneOf('model', (v.model as string) ?? saved?.model ?? 'alexnet', MODEL_NAMES);
  const str = (k: string) => v[k] as string | undefined;
  const batch = str('batch') ? positiveInt('batch', str('batch')!) : (saved?.batch ?? 128);
  const schedule = str('schedule') ? oneOf('schedule', str('schedule')!, SCHEDULES) : (saved?.schedule ?? 'none');
  const config: Config = {
    model,
    epochs: str('epochs') ? positiveInt('epochs', str('epochs')!) : (saved?.epochs ?? 20),
    batch,
    evalBatch: str('eval-batch') ? positiveInt('eval-batch', str('eval-batch')!) : (saved?.evalBatch ?? batch),
    lr: str('lr') ? nonNegative('lr', str('lr')!) : (saved?.lr ?? 0.01),
    momentum: str('momentum') ? nonNegative('momentum', str('momentum')!) : (saved?.momentum ?? 0.9),
    weightDecay: str('weight-decay') ? nonNegative('weight-decay', str('weight-decay')!) : (saved?.weightDecay ?? 5e-4),
    dropout: str('dropout') ? nonNegative('dropout', str('dropout')!) : (saved?.dropout ?? 0.5),
    seed: str('seed') !== undefined ? nonNegativeInt('seed', str('seed')!) : (saved?.seed ?? 0),
    augment: str('augment') !== undefined ? parseAugment(str('augment')!) : (saved?.augment ?? []),
    schedule,
    scheduleEpochs: str('schedule-epochs') ? positiveInt('schedule-epochs', str('schedule-epochs')!) : (saved?.scheduleEpochs ?? (schedule === 'step' ? 8 : 2)),
    init: str('init') ? oneOf('init', str('init')!, INIT_NAMES) : (saved?.init ?? defaultInit(model)),
    initFrom: str('init-from') ?? saved?.initFrom ?? null,
    data: str('data') ?? saved?.data ?? null,
    out: str('out') ?? saved?.out ?? null,
    logEvery: str('log-every') ? positiveInt('log-every', str('log-every')!) : (saved?.logEvery ?? 1),
    maxSteps: str('max-steps') ? positiveInt('max-steps', str('max-steps')!) : (saved?.maxSteps ?? null),
    trainSubset: str('train-subset') ? positiveInt('train-subset', str('train-subset')!) : (saved?.trainSubset ?? null),
    testSubset: str('test-subset') ? positiveInt('test-subset', str('test-subset')!) : (saved?.testSubset ?? null),
    order: str('order') ? oneOf('order', str('order')!, ['shuffle', 'sequential'] as const) : (saved?.order ?? 'shuffle'),
    mean: str('mean') ? parseMean(str('mean')!) : (saved?.mean ?? defaultMean(model)),
    resume: str('resume') ?? null,
    png: Boolean(v.png ?? saved?.png ?? false),
    robustness: v['no-robustness'] ? false : (saved?.robustness ?? true),
    gemm: str('gemm') ? oneOf('gemm', str('gemm')!, ['registers', 'workgroup', 'texture'] as const) : (saved?.gemm ?? null),
    conv: str('conv') ? oneOf('conv', str('conv')!, ['implicit', 'im2col', 'winograd'] as const) : (saved?.conv ?? null),
    autotuneFile: str('autotune-file') ?? saved?.autotuneFile ?? null,
  };
  if (config.dropout >= 1) throw new UsageError(`--dropout must be below 1, got ${config.dropout}`);
  return { config, given };
}

function parseAugment(v: string): Augmentation[] {
  if (v === 'none' || v === '') return [];
  return [...new Set(v.split(',').map((s) => oneOf('augment', s.trim(), AUGMENTATIONS)))];
}

/** The reference normalises with fixed means (std 1); the other models subtract the training set's. */
export function defaultMean(model: ModelName): [number, number, number] | null {
  return model === 'alexnet-seed' ? [0.4915, 0.4823, 0.4468] : null;
}

function parseMean(v: string): [number, number, number] {
  const parts = v.split(',').map(Number);
  if (parts.length !== 3 || parts.some((x) => !Number.isFinite(x))) throw new UsageError(`--mean must be three numbers R,G,B, got '${v}'`);
  return parts as [number, number, number];
}

/**
 * Training images per second of the faithful model on a CPU adapter: lavapipe on 2 cores, batch 8
 * (README.md beside this file). The estimate scales the epoch from it.
 */
const CPU_IMAGES_PER_SECOND = 0.87;

/**
 * The warning printed before a faithful-AlexNet run on a CPU adapter (lavapipe): its estimated
 * epoch time, and the model that finishes there. Null when there is nothing to warn about.
 */
export function cpuWarning(config: Config, software: boolean): string | null {
  if (!software || config.model !== 'alexnet') return null;
  const images = config.trainSubset ?? 50_000;
  const hours = images / CPU_IMAGES_PER_SECOND / 3600;
  const time = hours >= 1 ? `${hours.toFixed(hours >= 10 ? 0 : 1)} hours` : `${Math.ceil(hours * 60)} minutes`;
  return (
    `warning: this adapter runs on the CPU, where the faithful AlexNet (224×224) trains at about ${CPU_IMAGES_PER_SECOND} images/s: ` +
    `about ${time} per epoch of ${images.toLocaleString('en')} images. Use --model alexnet-small (32×32) for a run that finishes here, or a GPU.`
  );
}

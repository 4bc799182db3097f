// The fuzz table: one entry per public op of src/index.ts (test/unit/fuzz-coverage.test.ts fails
// on an export with neither an entry nor an exclusion here). docs/internals.md says how to add one.
import type { Exclusion, OpEntry } from './entry.js';
import { CREATION } from './table-creation.js';
import { ELEMENTWISE } from './table-elementwise.js';
import { INDEXING } from './table-indexing.js';
import { NN } from './table-nn.js';
import { REDUCE_LAYOUT } from './table-reduce-layout.js';
import { TRANSFORMER } from './table-transformer.js';

export const OP_TABLE: OpEntry[] = [...CREATION, ...ELEMENTWISE, ...REDUCE_LAYOUT, ...INDEXING, ...NN, ...TRANSFORMER];

const notAnOp = (why: string) => (name: string): Exclusion => ({ name, why });

/** Exports of src/index.ts that are not tensor ops, or ops fuzzed elsewhere: each with its reason. */
export const EXCLUDED: Exclusion[] = [
  ...['init', 'release', 'adapterInfo', 'deviceLimits', 'memory', 'sync', 'flush', 'profileKernels', 'kernelPolicy', 'manualSeed', 'withPolicy'].map(
    notAnOp('the device and its settings, not a tensor op (test/device.test.ts, test/policy.test.ts, test/seed.test.ts)'),
  ),
  ...['WebgradError', 'NoAdapterError', 'DeviceError'].map(notAnOp('an error class')),
  ...['Tensor', 'tidy', 'keep', 'noGrad'].map(notAnOp('the tensor class and scopes (test/tensor.test.ts, test/lifetime.test.ts); its methods are the ops here')),
  notAnOp('the gradient checker this table uses (test/gradcheck.test.ts)')('gradCheck'),
  notAnOp('namespace of layers built from the ops here, Embedding, LayerNorm, GELU, MultiheadAttention and TransformerEncoderLayer included (test/nn/)')('nn'),
  notAnOp('namespace of optimizers and schedules, clipGradNorm and CosineWarmupLR included: they update parameters, not tensor ops (test/nn/)')('optim'),
  notAnOp('namespace of datasets and the loader (test/data.test.ts)')('data'),
  ...['encodeSafetensors', 'decodeSafetensors', 'readTensors'].map(notAnOp('checkpoint I/O, not an op (test/safetensors.test.ts)')),
  // The image pipeline takes uint8 bytes, not the float samples this table makes; it is checked
  // against PyTorch/torchvision's fixture (test/image.test.ts, test/fixtures/image_pipeline.py).
  ...['prepareImages', 'uploadBytes'].map(notAnOp('the uint8 image pipeline, fuzzed by test/image.test.ts against a PyTorch fixture')),
];

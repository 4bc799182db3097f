/** The test files whose every case runs in a browser too (the others need Node's files or processes). */
export const BROWSER_TEST_FILES = [
  'elementwise.test.ts',
  'reduce.test.ts',
  'matmul.test.ts',
  'conv.test.ts',
  'maxpool.test.ts',
  'lrn.test.ts',
  'loss.test.ts',
  'dropout.test.ts',
  'gradcheck.test.ts',
  'layers.test.ts',
  'optim.test.ts',
  'tensor.test.ts',
];

// The fuzz table: one entry per public op of src/index.ts (test/unit/fuzz-coverage.test.ts fails
// on an exported op with neither an entry nor an exclusion here). docs/internals.md says how to add one.
import type { Exclusion, OpEntry } from './entry.js';
import { ELEMENTWISE } from './table-elementwise.js';
import { REDUCE_LAYOUT } from './table-reduce-layout.js';
import { INDEXING } from './table-indexing.js';
import { NN } from './table-nn.js';

export const OP_TABLE: OpEntry[] = [...ELEMENTWISE, ...REDUCE_LAYOUT, ...INDEXING, ...NN];

/** Exports of src/index.ts that are not ops, or ops fuzzed elsewhere: each with its reason. */
export const EXCLUDED: Exclusion[] = [];

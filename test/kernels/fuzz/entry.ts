// One entry of the fuzz table: how to sample an op's inputs, run it, and what it must give (a
// float64 reference, or a refusal where PyTorch refuses too). docs/internals.md ("Fuzzing the
// ops") says how to add one.
import type fc from 'fast-check';
import type * as wg from '../../../src/index.js';
import type { Tolerance } from '../../unit/fuzz/compare.js';
import type { Nd } from '../../unit/fuzz/nd.js';
import type { Sample } from '../../unit/fuzz/samples.js';

/** What webgrad must do where PyTorch raises: throw a WebgradError whose message matches. */
export interface Refusal {
  refuses: RegExp;
}

export type Expected = Nd | Nd[] | Refusal;

export interface GradSpec {
  /** Small finite samples away from the op's kinks (gradCheck takes two evaluations per element). */
  sample: fc.Arbitrary<Sample>;
  /** gradCheck's tolerance (1e-2) and step (1e-2). */
  tolerance?: number;
  eps?: number;
  /** Which inputs get gradients (all float32 inputs when absent). */
  inputs?: number[];
}

export interface OpEntry {
  /** The export of src/index.ts it covers. */
  name: string;
  /** Inputs and arguments, with the extremes the op is defined on. */
  sample: fc.Arbitrary<Sample>;
  /** The op on the device tensors made from the sample's inputs (views as the sample says). */
  run: (x: wg.Tensor[], args: Sample['args']) => wg.Tensor | wg.Tensor[];
  /** The float64 reference (PyTorch 1.13's semantics), or the refusal PyTorch's error stands for. */
  reference: (x: Nd[], args: Sample['args']) => Expected;
  tolerance?: Partial<Tolerance>;
  /** The gradient check; absent for ops without a gradient (the entry says why in a comment). */
  grad?: GradSpec;
  /** Where webgrad and PyTorch could differ, PyTorch 1.13's answer, which the reference follows. */
  torch?: string;
}

/** An op of src/index.ts left out of the table, with the reason (the coverage test requires one). */
export interface Exclusion {
  name: string;
  why: string;
}

export const isRefusal = (e: Expected): e is Refusal => !Array.isArray(e) && 'refuses' in e;

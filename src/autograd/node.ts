import type { Tensor } from '../tensor/tensor.js';

/**
 * How a tensor was computed: the op's inputs and its backward rule, which maps the gradient of
 * the output to the gradients of the inputs (null where an input needs none). Rules are written
 * beside their forward, in src/ops, and may return the incoming gradient itself.
 */
export interface GradNode {
  readonly op: string;
  readonly inputs: readonly Tensor[];
  backward(grad: Tensor): readonly (Tensor | null)[];
  /** Tensors the rule reads besides its inputs and output; the node owns them and frees them with itself. */
  readonly saved?: readonly Tensor[];
}

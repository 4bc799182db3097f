/**
 * What the graph modules (record, lifetime, scope) need of a tensor. They sit below the Tensor
 * class (tensor/tensor.ts, which records its reshapes and frees its node on dispose), so they name
 * this interface instead of importing it; Tensor implements it.
 */
export interface GraphTensor {
  readonly isTensor: true;
  readonly disposed: boolean;
  requiresGrad: boolean;
  node: GradNode | null;
  dispose(): void;
}

/**
 * How a tensor was computed: the op's inputs and its backward rule, which maps the gradient of
 * the output to the gradients of the inputs (null where an input needs none). Rules are written
 * beside their forward, in src/ops, and may return the incoming gradient itself. `T` is the
 * tensor type (Tensor everywhere above this layer).
 */
export interface GradNode<T extends GraphTensor = GraphTensor> {
  readonly op: string;
  readonly inputs: readonly T[];
  backward(grad: T): readonly (T | null)[];
  /** Tensors the rule reads besides its inputs and output; the node owns them and frees them with itself. */
  readonly saved?: readonly T[];
}

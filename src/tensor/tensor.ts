import { WebgradError } from '../device/errors.js';
import { runtime } from '../device/current.js';
import { checkShape, fmt, sizeOf, type Shape } from './shape.js';
import { track } from './scope.js';
import type { GradNode } from '../autograd/node.js';
import { runBackward } from '../autograd/engine.js';

export type DType = 'float32' | 'int32';

/** A GPU buffer shared by a tensor and its views (reshapes); returned to the pool with the last one. */
export class Storage {
  private refs = 1;
  constructor(
    readonly buffer: GPUBuffer,
    /** Bytes in use; the pooled buffer may be larger. */
    readonly bytes: number,
  ) {}

  static allocate(bytes: number): Storage {
    // Zero-size tensors still get a 4-byte buffer so that they can be bound.
    return new Storage(runtime().acquire(Math.max(bytes, 4)), bytes);
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0) runtime().pool.release(this.buffer);
  }
}

export class Tensor {
  readonly isTensor = true;
  readonly shape: Shape;
  readonly size: number;
  /** Set when autograd should compute this tensor's gradient. */
  requiresGrad = false;
  /** The gradient accumulated by `backward()` (leaf tensors that require it). */
  grad: Tensor | null = null;
  /** How this tensor was computed, when autograd recorded it. */
  node: GradNode | null = null;
  private storageRef: Storage | null;
  /** The values the last toArray() read, with the buffer's touch stamp then (small tensors only). */
  private readBack: { values: Float32Array | Int32Array; stamp: number } | null = null;

  constructor(shape: Shape, storage: Storage, readonly dtype: DType = 'float32') {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.storageRef = storage;
    track(this);
  }

  /** A new, uninitialised tensor (kernels write every element). */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    return new Tensor(shape, Storage.allocate(sizeOf(shape) * 4), dtype);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.storageRef === null;
  }

  get storage(): Storage {
    if (!this.storageRef) throw new WebgradError(`webgrad: a tensor of shape ${fmt(this.shape)} was used after dispose()`);
    return this.storageRef;
  }

  /** The GPU buffer holding the elements, row-major. */
  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** The same elements under a new shape, sharing storage (no copy). One dimension may be -1. */
  reshape(shape: Shape): Tensor {
    return reshape(this, shape);
  }

  /** Reads the elements back from the GPU. */
  async toArray(): Promise<Float32Array | Int32Array> {
    const stamp = runtime().touchStamp(this.buffer);
    const bytes = await runtime().read(this.buffer, this.size * 4);
    const values = this.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    if (this.size <= PREVIEW_ELEMENTS) this.readBack = { values: values.slice(), stamp };
    return values;
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new WebgradError(`webgrad: item() needs a one-element tensor, got shape ${fmt(this.shape)}`);
    return (await this.toArray())[0];
  }

  /** Accumulates the gradient of this scalar into every leaf that requires one. */
  backward(gradient?: Tensor): void {
    runBackward(this, gradient);
  }

  /** Releases the GPU memory now. Using the tensor afterwards throws. Disposing twice is harmless. */
  dispose(): void {
    if (!this.storageRef) return;
    this.storageRef.release();
    this.storageRef = null;
    this.node = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  /**
   * Shape and dtype, and the values for a small tensor whose values toArray() has read and that no
   * GPU command could have changed since (toString never reads from the GPU itself).
   */
  toString(): string {
    const current = this.readBack && !this.disposed && runtime().touchStamp(this.buffer) === this.readBack.stamp;
    const values = current ? `, ${nested(this.readBack!.values, this.shape)}` : '';
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${this.disposed ? ', disposed' : ''}${values})`;
  }

  /** What Node's console.log and util.inspect show: toString(). */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Tensors up to this many elements keep the values toArray() read, for toString(). */
const PREVIEW_ELEMENTS = 64;

/** Values as nested lists by shape: [[1, 2], [3, 4]]. */
function nested(values: ArrayLike<number>, shape: Shape, at = 0, depth = 0): string {
  if (depth === shape.length) return String(Number(values[at].toPrecision(6)));
  const stride = shape.slice(depth + 1).reduce((n, d) => n * d, 1);
  const items = Array.from({ length: shape[depth] }, (_, i) => nested(values, shape, at + i * stride, depth + 1));
  return `[${items.join(', ')}]`;
}

/** Checks that a tensor argument is a live tensor; `what` names the argument in the error. */
export function checkTensor(t: unknown, what: string): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new WebgradError(`webgrad: ${what} must be a Tensor, got ${typeof t}`);
  if (t.disposed) throw new WebgradError(`webgrad: ${what} (shape ${fmt(t.shape)}) was used after dispose()`);
}

function reshape(t: Tensor, shape: Shape): Tensor {
  checkTensor(t, 'reshape: input');
  const dims = [...shape];
  const unknown = dims.indexOf(-1);
  if (unknown >= 0) {
    const known = dims.reduce((n, d, i) => (i === unknown ? n : n * d), 1);
    dims[unknown] = known === 0 ? 0 : t.size / known;
  }
  checkShape(dims, 'reshape: shape');
  if (sizeOf(dims) !== t.size) {
    throw new WebgradError(`webgrad: reshape: cannot reshape ${fmt(t.shape)} (${t.size} elements) to ${fmt(shape)}`);
  }
  const out = new Tensor(dims, t.storage.retain(), t.dtype);
  return out;
}

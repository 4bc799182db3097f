import { DeviceError, WebgradError } from '../errors.js';
import { hasRuntime, runtime } from '../device/current.js';
import type { Runtime } from '../runtime/runtime.js';
import { checkAllocation, checkShape, fmt, sizeOf, type Shape } from './shape.js';
import { track } from '../graph/scope.js';
import type { GradNode } from '../graph/node.js';
import { record } from '../graph/record.js';
import { releaseNode } from '../graph/lifetime.js';

export type DType = 'float32' | 'int32';

/** A GPU buffer shared by a tensor and its views (reshapes); returned to the pool with the last one. */
export class Storage {
  private refs = 1;
  /** The device the buffer belongs to: after `release()` it is gone, and the buffer never reaches another device's pool. */
  readonly owner: Runtime;
  constructor(
    readonly buffer: GPUBuffer,
    /** Bytes in use; the pooled buffer may be larger. */
    readonly bytes: number,
  ) {
    this.owner = runtime();
  }

  /** `what` names the tensor in an out-of-memory error. */
  static allocate(bytes: number, what?: () => string): Storage {
    checkAllocation(bytes, `a buffer of ${bytes} bytes`);
    const lost = runtime().gpu.lost;
    if (lost) throw new DeviceError(lost.message);
    // Zero-size tensors still get a 4-byte buffer so that they can be bound.
    return new Storage(runtime().acquire(Math.max(bytes, 4), what), bytes);
  }

  /** False once the device it was made on has been released or lost. */
  get alive(): boolean {
    return hasRuntime() && runtime() === this.owner && !this.owner.gpu.lost;
  }

  retain(): this {
    this.refs++;
    return this;
  }

  release(): void {
    if (--this.refs === 0 && this.alive) this.owner.bufferPool.release(this.buffer);
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
  node: GradNode<Tensor> | null = null;
  /** In debug mode (init({ debug: true })), the op whose call made this tensor (`add`, `Linear.forward`); else null. */
  readonly createdBy: string | null = null;
  private storageRef: Storage | null;
  /** The values the last toArray() read, with the buffer's touch stamp then (small tensors only). */
  private readBack: { values: Float32Array | Int32Array; stamp: number } | null = null;

  constructor(shape: Shape, storage: Storage, readonly dtype: DType = 'float32') {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    this.storageRef = storage;
    track(this);
    const leakCheck = storage.owner.leakCheck;
    if (leakCheck) this.createdBy = leakCheck.created(this);
  }

  /** A new, uninitialised tensor (kernels write every element). */
  static empty(shape: Shape, dtype: DType = 'float32'): Tensor {
    checkAllocation(sizeOf(shape) * 4, `a ${dtype} tensor of shape ${fmt(shape)}`);
    return new Tensor(shape, Storage.allocate(sizeOf(shape) * 4, () => `a ${dtype} tensor of shape ${fmt(shape)}`), dtype);
  }

  get rank(): number {
    return this.shape.length;
  }

  get disposed(): boolean {
    return this.storageRef === null;
  }

  get storage(): Storage {
    if (!this.storageRef) throw new WebgradError(`webgrad: a tensor of shape ${fmt(this.shape)} was used after dispose()`);
    if (!this.storageRef.alive) throw deadDeviceError(null, this.shape, this.storageRef.owner.gpu.lost);
    return this.storageRef;
  }

  /** True when the device it was made on has been released (see `release()`) or lost; such a tensor cannot be used. */
  get released(): boolean {
    return this.storageRef !== null && !this.storageRef.alive;
  }

  /** The error that said the device it was made on was lost, when it was (then it is `released` too); else null. */
  get deviceLost(): DeviceError | null {
    return this.storageRef?.owner.gpu.lost ?? null;
  }

  /** The GPU buffer holding the elements, row-major. */
  get buffer(): GPUBuffer {
    return this.storage.buffer;
  }

  /** The same elements under a new shape, sharing storage (no copy). One dimension may be -1. Differentiable. */
  reshape(shape: Shape): Tensor {
    const out = view(this, shape);
    return record(out, 'reshape', [this], (g) => [view(g, this.shape)]);
  }

  /** Reads the elements back from the GPU. */
  async toArray(): Promise<Float32Array | Int32Array> {
    const buffer = this.buffer; // a disposed or released tensor says so before anything else
    const stamp = runtime().touchStamp(buffer);
    const bytes = await runtime().read(buffer, this.size * 4, 0, { deviceChecks: true });
    const values = this.dtype === 'int32' ? new Int32Array(bytes) : new Float32Array(bytes);
    if (this.size <= PREVIEW_ELEMENTS) this.readBack = { values: values.slice(), stamp };
    return values;
  }

  /** The single element of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new WebgradError(`webgrad: item() needs a one-element tensor, got shape ${fmt(this.shape)}`);
    return (await this.toArray())[0];
  }

  /**
   * Releases the GPU memory now. Using the tensor afterwards throws. Disposing twice is harmless, and so
   * is disposing after `release()` (its buffer went with the device).
   */
  dispose(): void {
    if (!this.storageRef) return;
    const { owner } = this.storageRef;
    this.storageRef.release();
    this.storageRef = null;
    // The leak check of the device it was made on (after release(), a new device's knows nothing of it).
    owner.leakCheck?.disposed(this);
    releaseNode(this, false);
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
    // A released tensor's buffer is gone (and there may be no device at all): no values, no stamp.
    const current = this.readBack && !this.disposed && !this.released && runtime().touchStamp(this.buffer) === this.readBack.stamp;
    const values = current ? `, ${nested(this.readBack!.values, this.shape)}` : '';
    const state = this.disposed ? ', disposed' : this.released ? ', released' : '';
    return `Tensor(${fmt(this.shape)}, ${this.dtype}${state}${values})`;
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

/**
 * Why a tensor whose device is gone cannot be used (`what` names the argument): released, or lost
 * (a DeviceError, with the loss's advice).
 */
function deadDeviceError(what: string | null, shape: Shape, lost: DeviceError | null): WebgradError {
  const at = what ? `${what}: ` : '';
  if (lost) return new DeviceError(`webgrad: ${at}a tensor of shape ${fmt(shape)} was made on a GPU device that was lost: ${lost.message.slice('webgrad: '.length)}`);
  return new WebgradError(`webgrad: ${at}a tensor of shape ${fmt(shape)} was made on a device that release() has destroyed; tensors do not survive release(): create it again after init()`);
}

/** What a value is, for errors: a tensor's shape and dtype, else its type. */
export function describe(v: unknown): string {
  if (v instanceof Tensor) return `a ${v.dtype} Tensor of shape ${fmt(v.shape)}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'number') return `the number ${v}`;
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return typeof v === 'object' ? `${(v as object).constructor?.name ?? 'an object'}` : typeof v;
}

/**
 * Checks that a tensor argument is a live tensor (and of `dtype`, when given); `what` names the
 * argument in the error.
 */
export function checkTensor(t: unknown, what: string, dtype?: DType): asserts t is Tensor {
  if (!(t instanceof Tensor)) throw new WebgradError(`webgrad: ${what} must be a Tensor, got ${describe(t)}`);
  if (t.disposed) throw new WebgradError(`webgrad: ${what} (shape ${fmt(t.shape)}) was used after dispose()`);
  if (t.released) throw deadDeviceError(what, t.shape, t.deviceLost);
  if (dtype && t.dtype !== dtype) {
    throw new WebgradError(`webgrad: ${what} must be ${dtype}, got ${t.dtype} (shape ${fmt(t.shape)})${dtype === 'float32' ? '; int32 tensors hold labels and packed bytes, not values to compute with' : ''}`);
  }
}

/** The shape `shape` (one dimension may be -1) gives to `size` elements, or an error naming the shape as given. */
export function resolveShape(shape: Shape, size: number, what: string, from: Shape): number[] {
  if (!Array.isArray(shape)) throw new WebgradError(`webgrad: ${what} must be an array of dimensions, got ${describe(shape)}`);
  const given = fmt(shape);
  const unknown = shape.indexOf(-1);
  if (unknown >= 0 && shape.indexOf(-1, unknown + 1) >= 0) throw new WebgradError(`webgrad: ${what} ${given}: only one dimension can be -1`);
  shape.forEach((d, i) => {
    if (i !== unknown && (typeof d !== 'number' || !Number.isInteger(d) || d < 0)) {
      throw new WebgradError(`webgrad: ${what} ${given} has a dimension that is not a non-negative integer or -1 (${String(d)})`);
    }
  });
  const dims = [...shape];
  if (unknown >= 0) {
    const known = dims.reduce((n, d, i) => (i === unknown ? n : n * d), 1);
    if (known === 0 || size % known !== 0) {
      throw new WebgradError(
        `webgrad: ${what}: cannot view ${fmt(from)} (${size} elements) as ${given}` +
          (known === 0 ? ': the -1 could be any size next to a 0' : `: ${size} is not a multiple of ${known}`),
      );
    }
    dims[unknown] = size / known;
  }
  checkShape(dims, what);
  if (sizeOf(dims) !== size) throw new WebgradError(`webgrad: ${what}: cannot reshape ${fmt(from)} (${size} elements) to ${given}`);
  return dims;
}

/**
 * A view under a new shape, recording nothing (the method `reshape` records): for ops that record
 * their own node, or that need no gradient through the view.
 */
export function view(t: Tensor, shape: Shape): Tensor {
  checkTensor(t, 'reshape: x');
  const dims = resolveShape(shape, t.size, 'reshape: shape', t.shape);
  return new Tensor(dims, t.storage.retain(), t.dtype);
}

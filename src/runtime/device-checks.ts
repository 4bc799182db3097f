import { WebgradError } from '../device/errors.js';

/**
 * Checks of values that only the GPU sees (labels held in a tensor): a kernel that finds a bad
 * value records it in its slot of one small buffer, and the runtime reads that buffer back with
 * every readback of the user's values (toArray, item) and throws the slot's error there, then clears it. A slot is 4 u32 words at a
 * 256-byte offset (the storage offset alignment WebGPU guarantees); word 0 is the flag.
 */
export const CHECK_SLOTS = {
  crossEntropyLabels: 0,
  countCorrectLabels: 1,
  nllLossLabels: 2,
  indexSelectIndex: 3,
  gatherIndex: 4,
} as const;

export type CheckSlot = keyof typeof CHECK_SLOTS;

const STRIDE = 256;
const SLOT_COUNT = Object.keys(CHECK_SLOTS).length;
export const CHECKS_BYTES = STRIDE * SLOT_COUNT;

const describe: Record<CheckSlot, (words: Uint32Array) => string> = {
  crossEntropyLabels: (w) =>
    `webgrad: crossEntropy: labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]}) ` +
    '(found on the GPU, reported at this readback; the loss computed with it is NaN)',
  countCorrectLabels: (w) =>
    `webgrad: countCorrect: labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]}) (found on the GPU, reported at this readback)`,
  nllLossLabels: (w) =>
    `webgrad: nllLoss: labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]}) ` +
    '(found on the GPU, reported at this readback; the loss computed with it is NaN)',
  indexSelectIndex: (w) =>
    `webgrad: indexSelect: index[${w[1]}] = ${w[2] | 0} is out of range [0, ${w[3]}) ` +
    '(found on the GPU, reported at this readback; the elements selected with it are NaN)',
  gatherIndex: (w) =>
    `webgrad: gather: index element ${w[1]} (row-major) = ${w[2] | 0} is out of range [0, ${w[3]}) ` +
    '(found on the GPU, reported at this readback; the elements gathered with it are NaN)',
};

export class DeviceChecks {
  readonly buffer: GPUBuffer;

  constructor(private readonly device: GPUDevice) {
    // STORAGE | COPY_SRC | COPY_DST; new buffers are zeroed.
    this.buffer = device.createBuffer({ size: CHECKS_BYTES, usage: 0x80 | 0x04 | 0x08 });
  }

  /** The binding a kernel writes its findings to. */
  binding(slot: CheckSlot): { buffer: GPUBuffer; offset: number; size: number } {
    return { buffer: this.buffer, offset: CHECK_SLOTS[slot] * STRIDE, size: 16 };
  }

  /** Throws the first recorded failure in `bytes` (a copy of the buffer), after clearing the buffer. */
  throwIfFailed(bytes: ArrayBuffer): void {
    for (const [slot, index] of Object.entries(CHECK_SLOTS) as [CheckSlot, number][]) {
      const words = new Uint32Array(bytes, index * STRIDE, 4);
      if (words[0] !== 0) {
        this.device.queue.writeBuffer(this.buffer, 0, new Uint8Array(CHECKS_BYTES));
        throw new WebgradError(describe[slot](words));
      }
    }
  }
}

import { WebgradError } from '../errors.js';

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
  crossEntropyLabels: (w) => `labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]}) (the loss computed with it is NaN)`,
  countCorrectLabels: (w) => `labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]})`,
  nllLossLabels: (w) => `labels[${w[1]}] = ${w[2] | 0} is not a class index in [0, ${w[3]}) (the loss computed with it is NaN)`,
  indexSelectIndex: (w) => `index[${w[1]}] = ${w[2] | 0} is out of range [0, ${w[3]}) (the elements selected with it are NaN)`,
  gatherIndex: (w) => `index element ${w[1]} (row-major) = ${w[2] | 0} is out of range [0, ${w[3]}) (the elements gathered with it are NaN)`,
};

/** The op whose kernels write each slot, as the error names it. */
const OP: Record<CheckSlot, string> = {
  crossEntropyLabels: 'crossEntropy',
  countCorrectLabels: 'countCorrect',
  nllLossLabels: 'nllLoss',
  indexSelectIndex: 'indexSelect',
  gatherIndex: 'gather',
};

/** The calls of each checked op a readback's copy of the buffer covers: the first and last, counted from init(). */
export type CheckedCalls = Readonly<Record<CheckSlot, readonly [first: number, last: number]>>;

export class DeviceChecks {
  readonly buffer: GPUBuffer;
  /** Calls of each checked op since the device began. */
  private readonly calls = Object.fromEntries(Object.keys(CHECK_SLOTS).map((s) => [s, 0])) as Record<CheckSlot, number>;
  /** The first call of each since the buffer was last copied for a readback. */
  private readonly firstUnread = Object.fromEntries(Object.keys(CHECK_SLOTS).map((s) => [s, 1])) as Record<CheckSlot, number>;

  constructor(private readonly device: GPUDevice) {
    // STORAGE | COPY_SRC | COPY_DST; new buffers are zeroed.
    this.buffer = device.createBuffer({ size: CHECKS_BYTES, usage: 0x80 | 0x04 | 0x08 });
  }

  /** The binding a kernel writes its findings to; each call of the op asks once (it counts the op's calls). */
  binding(slot: CheckSlot): { buffer: GPUBuffer; offset: number; size: number } {
    this.calls[slot]++;
    return { buffer: this.buffer, offset: CHECK_SLOTS[slot] * STRIDE, size: 16 };
  }

  /** Which calls the copy of the buffer made now covers (those since the last copy), for throwIfFailed. */
  copied(): CheckedCalls {
    const covered = {} as Record<CheckSlot, readonly [number, number]>;
    for (const slot of Object.keys(CHECK_SLOTS) as CheckSlot[]) {
      covered[slot] = [this.firstUnread[slot], this.calls[slot]];
      this.firstUnread[slot] = this.calls[slot] + 1;
    }
    return covered;
  }

  /**
   * Throws the first recorded failure in `bytes` (a copy of the buffer), after clearing the buffer,
   * naming the op and which of its calls (counted from init(): in a loop that calls it once a step,
   * the step) the copy covers.
   */
  throwIfFailed(bytes: ArrayBuffer, covered: CheckedCalls): void {
    for (const [slot, index] of Object.entries(CHECK_SLOTS) as [CheckSlot, number][]) {
      const words = new Uint32Array(bytes, index * STRIDE, 4);
      if (words[0] !== 0) {
        this.device.queue.writeBuffer(this.buffer, 0, new Uint8Array(CHECKS_BYTES));
        const [first, last] = covered[slot];
        const which = first === last ? `${OP[slot]} call ${last}` : `one of ${OP[slot]} calls ${first}–${last}`;
        throw new WebgradError(
          `webgrad: ${OP[slot]}: ${describe[slot](words)}; found on the GPU in ${which} since init() ` +
            '(those recorded since the previous readback of values), reported at this readback',
        );
      }
    }
  }
}

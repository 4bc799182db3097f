import type * as tfjs from '@tensorflow/tfjs';
import { nodeGpu } from '../src/session/node.js';

/** tfjs with its WebGPU backend on the same Dawn instance (and so the same adapter) as webgrad. */
export interface TfjsPeer {
  tf: typeof tfjs;
  /** Submits tfjs's queued commands and waits until the GPU has run them. */
  sync(): Promise<void>;
}

/**
 * tfjs-backend-webgpu registers itself at module load only when `navigator.gpu` exists, so the
 * WebGPU globals and a `navigator` are defined before it is imported. Returns null, with the reason
 * printed, when tfjs cannot start.
 */
export async function startTfjs(): Promise<TfjsPeer | null> {
  try {
    const gpu = await nodeGpu();
    if (!(globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu) {
      Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
    }
    const tf = (await import('@tensorflow/tfjs')) as typeof tfjs;
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) throw new Error('tf.setBackend("webgpu") returned false');
    await tf.ready();
    const backend = tf.backend() as unknown as {
      device: GPUDevice;
      commandEncoder: GPUCommandEncoder | null;
      endComputePassEncoder(): void;
      submitQueue(): void;
    };
    return {
      tf,
      async sync() {
        // As tfjs does before its own readbacks: close the open pass, submit the encoder.
        if (backend.commandEncoder) {
          backend.endComputePassEncoder();
          backend.submitQueue();
        }
        await backend.device.queue.onSubmittedWorkDone();
      },
    };
  } catch (error) {
    console.warn(`tfjs-webgpu unavailable: ${(error as Error).message}`);
    return null;
  }
}

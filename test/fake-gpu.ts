/**
 * A WebGPU entry point that records work and runs none, with the limits of a given adapter: the
 * whole library runs on it (`init({ gpu })`) as on that adapter, so that the buffers a large
 * model's step creates can be counted without a GPU and without allocating its gigabytes. It
 * checks what a real device would refuse for size (a buffer over maxBufferSize, a binding over
 * maxStorageBufferBindingSize, a grid over maxComputeWorkgroupsPerDimension), so that a simulated
 * step is one the adapter would accept. Buffers read back as zeros.
 */

/**
 * An NVIDIA adapter's limits through Dawn: a storage binding of 2 GiB − 4 bytes, buffers of 4 GiB; the
 * offset alignment is WebGPU's default (the strictest).
 */
export const NVIDIA_LIMITS = {
  maxStorageBufferBindingSize: 2 ** 31 - 4,
  maxBufferSize: 2 ** 32,
  maxComputeWorkgroupsPerDimension: 65_535,
  minStorageBufferOffsetAlignment: 256,
  maxTextureDimension2D: 32_768,
  maxComputeWorkgroupStorageSize: 49_152,
  maxComputeInvocationsPerWorkgroup: 1024,
  maxComputeWorkgroupSizeX: 1024,
  maxComputeWorkgroupSizeY: 1024,
  maxStorageBuffersPerShaderStage: 10,
};

export interface FakeGpuLog {
  /** Sizes of the buffers created, in order. */
  buffers: number[];
  textures: number;
  dispatches: number;
  submits: number;
}

/**
 * `deviceMemory`: the bytes of buffers the simulated device holds at once (destroyed ones given
 * back); a creation past it reports an out-of-memory error to its error scope, as a real device does.
 */
export function fakeGpu(limits: Record<string, number> = NVIDIA_LIMITS, features: string[] = [], deviceMemory = Infinity): { gpu: GPU; log: FakeGpuLog } {
  const log: FakeGpuLog = { buffers: [], textures: 0, dispatches: 0, submits: 0 };
  let held = 0;
  let outOfMemory: string | null = null;
  const refuse = (what: string) => {
    throw new Error(`fake GPU: ${what}`);
  };
  const createBuffer = ({ size, mappedAtCreation }: GPUBufferDescriptor) => {
    if (size > limits.maxBufferSize) refuse(`buffer of ${size} bytes > maxBufferSize ${limits.maxBufferSize}`);
    log.buffers.push(size);
    // A buffer the device has no memory for is invalid: it holds none.
    let holds = held + size <= deviceMemory;
    if (holds) held += size;
    else outOfMemory ??= `fake GPU: out of memory creating a buffer of ${size} bytes`;
    let mapped: ArrayBuffer | null = mappedAtCreation ? new ArrayBuffer(size) : null;
    return {
      size,
      getMappedRange: () => (mapped ??= new ArrayBuffer(size)),
      unmap: () => (mapped = null),
      mapAsync: async () => undefined,
      destroy: () => {
        if (holds) held -= size;
        holds = false;
      },
    };
  };
  const bindingSize = (resource: unknown): number => {
    const r = resource as { buffer?: { size: number }; offset?: number; size?: number };
    if (!r.buffer) return 0;
    return r.size ?? r.buffer.size - (r.offset ?? 0);
  };
  const pass = {
    setPipeline: () => undefined,
    setBindGroup: () => undefined,
    dispatchWorkgroups: (x: number, y = 1, z = 1) => {
      for (const d of [x, y, z]) if (d > limits.maxComputeWorkgroupsPerDimension) refuse(`dispatch of [${x}, ${y}, ${z}] workgroups`);
      log.dispatches++;
    },
    end: () => undefined,
  };
  const device = {
    limits,
    features: new Set(features),
    lost: new Promise(() => undefined),
    addEventListener: () => undefined,
    createBuffer,
    createTexture: ({ size: [width, height] }: { size: [number, number] }) => {
      log.textures++;
      return { width, height, createView: () => ({}), destroy: () => undefined };
    },
    createQuerySet: () => ({ destroy: () => undefined }),
    createShaderModule: () => ({}),
    createComputePipeline: () => ({ getBindGroupLayout: () => ({}) }),
    pushErrorScope: () => undefined,
    popErrorScope: async () => {
      const message = outOfMemory;
      outOfMemory = null;
      return message ? { message } : null;
    },
    createBindGroup: ({ entries }: GPUBindGroupDescriptor) => {
      for (const e of entries) {
        const size = bindingSize(e.resource);
        if (e.binding > 0 && size > limits.maxStorageBufferBindingSize) {
          refuse(`binding ${e.binding} of ${size} bytes > maxStorageBufferBindingSize ${limits.maxStorageBufferBindingSize}`);
        }
      }
      return {};
    },
    createCommandEncoder: () => ({
      beginComputePass: () => pass,
      copyBufferToBuffer: () => undefined,
      copyBufferToTexture: () => undefined,
      resolveQuerySet: () => undefined,
      finish: () => ({}),
    }),
    queue: {
      submit: () => void log.submits++,
      writeBuffer: () => undefined,
      onSubmittedWorkDone: async () => undefined,
    },
    destroy: () => undefined,
  };
  const adapter = {
    limits,
    features: new Set(features),
    info: { vendor: 'nvidia', architecture: 'hopper', device: 'fake', description: 'simulated NVIDIA adapter (no GPU)' },
    requestDevice: async () => device,
  };
  return { gpu: { requestAdapter: async () => adapter } as unknown as GPU, log };
}

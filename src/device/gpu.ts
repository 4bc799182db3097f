import { DeviceError, NoAdapterError } from './errors.js';

/** What the library needs to know about the adapter it runs on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations such as Mesa's lavapipe or SwiftShader. */
  software: boolean;
}

/** The limits webgrad asks the adapter for; each is raised to the adapter's maximum. */
const WANTED_LIMITS = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxStorageBuffersPerShaderStage',
] as const;

const WANTED_FEATURES: GPUFeatureName[] = ['timestamp-query', 'shader-f16', 'subgroups' as GPUFeatureName];

/**
 * One adapter and its device, with the device's errors turned into exceptions that say what happened.
 * Errors reported asynchronously (validation, device loss) are held and thrown by the next call of
 * `throwIfFailed()`, which the runtime makes at every flush and readback.
 */
export class Gpu {
  readonly features: ReadonlySet<string>;
  private failure: DeviceError | null = null;

  private constructor(
    readonly adapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly info: AdapterSummary,
  ) {
    this.features = new Set(device.features as unknown as Iterable<string>);
    device.lost.then((lost) => {
      if (lost.reason !== 'destroyed') {
        this.failure ??= new DeviceError(`webgrad: the GPU device was lost (${lost.reason}): ${lost.message}`);
      }
    });
    device.addEventListener('uncapturederror', (event) => {
      const error = (event as GPUUncapturedErrorEvent).error;
      this.failure ??= new DeviceError(`webgrad: the GPU reported an error: ${error.message}`);
    });
  }

  static async create(gpu: GPU | undefined, powerPreference: GPUPowerPreference = 'high-performance'): Promise<Gpu> {
    if (!gpu) throw new NoAdapterError('this platform has no navigator.gpu');
    let adapter: GPUAdapter | null = null;
    try {
      adapter = await gpu.requestAdapter({ powerPreference });
    } catch (error) {
      throw new NoAdapterError(`requestAdapter failed: ${(error as Error).message}`);
    }
    if (!adapter) throw new NoAdapterError('requestAdapter returned null');
    const requiredLimits: Record<string, number> = {};
    for (const name of WANTED_LIMITS) requiredLimits[name] = (adapter.limits as unknown as Record<string, number>)[name];
    const requiredFeatures = WANTED_FEATURES.filter((f) => adapter!.features.has(f));
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures });
    return new Gpu(adapter, device, summarise(adapter.info));
  }

  get limits(): GPUSupportedLimits {
    return this.device.limits;
  }

  /** Throws the first asynchronous device error seen since the device was created. */
  throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  /**
   * Records an error found by an error scope (a WGSL compile error, say). It replaces an earlier
   * "invalid due to a previous error" report, which only echoes it.
   */
  fail(message: string): void {
    if (!this.failure || /previous error/.test(this.failure.message)) this.failure = new DeviceError(message);
  }

  destroy(): void {
    this.device.destroy();
  }
}

export function summarise(info: GPUAdapterInfo): AdapterSummary {
  const description = info.description || '';
  const vendor = info.vendor || '';
  const text = `${vendor} ${info.architecture} ${info.device} ${description}`.toLowerCase();
  return {
    vendor,
    architecture: info.architecture || '',
    device: info.device || '',
    description,
    software: /llvmpipe|lavapipe|swiftshader|software/.test(text),
  };
}

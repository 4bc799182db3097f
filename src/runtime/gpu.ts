import { DeviceError, NoAdapterError } from '../errors.js';

/** What the library needs to know about the adapter it runs on. */
export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** True for CPU implementations such as Mesa's lavapipe or SwiftShader. */
  software: boolean;
}

/** How long a failed wait on the GPU waits for the device to report a loss that caused it. */
const LOSS_REPORT_MS = 100;

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
  /** Set when the device was lost (other than by `destroy()` here, which is `release()`). */
  private lostError: DeviceError | null = null;
  private destroying = false;
  /** Rejects with the loss's DeviceError when the device is lost; never settles otherwise. */
  private readonly lostSignal: Promise<never>;

  private constructor(
    readonly adapter: GPUAdapter,
    readonly device: GPUDevice,
    readonly info: AdapterSummary,
  ) {
    this.features = new Set(device.features as unknown as Iterable<string>);
    this.lostSignal = device.lost.then((lost) => {
      if (this.destroying) return new Promise<never>(() => undefined);
      // A driver reset, a browser's reclaiming the GPU, or device.destroy() by someone else.
      this.lostError = new DeviceError(
        `webgrad: the GPU device was lost (${lost.reason}${lost.message ? `: ${lost.message}` : ''}); its tensors, models' weights and ` +
          'optimizer state are gone. Call `await init()` again for a new device, then reload the model and optimizer from their last checkpoint',
      );
      this.failure = this.lostError;
      throw this.lostError;
    });
    this.lostSignal.catch(() => undefined);
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

  /** The error that says the device was lost, once it is known to be; else null. */
  get lost(): DeviceError | null {
    return this.lostError;
  }

  /**
   * `work` (a mapAsync, an onSubmittedWorkDone), rejected with the loss's DeviceError when the device
   * is lost first: a pending readback never hangs on a lost device. A mapAsync that a loss aborts may
   * reject before the device reports the loss: a rejection is then given until the next tick of
   * Dawn's events (LOSS_REPORT_MS) to turn out to be the loss.
   */
  async whileAlive<T>(work: Promise<T>): Promise<T> {
    try {
      return await Promise.race([work, this.lostSignal]);
    } catch (error) {
      if (!this.lostError) await Promise.race([this.lostSignal, new Promise((resolve) => setTimeout(resolve, LOSS_REPORT_MS))]).catch(() => undefined);
      throw this.lostError ?? error;
    }
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

  /** Destroys the device on purpose (`release()`): not a loss. */
  destroy(): void {
    this.destroying = true;
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

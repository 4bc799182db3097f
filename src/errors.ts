/** Errors raised by webgrad, so callers can tell ours from the platform's. */
export class WebgradError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebgradError';
  }
}

/** Thrown when no WebGPU adapter can be found: says what to install. */
export class NoAdapterError extends WebgradError {
  constructor(detail: string) {
    super(
      `webgrad: no WebGPU adapter was found (${detail}). ` +
        'On Linux without a GPU driver, install Mesa\'s software Vulkan driver lavapipe ' +
        '(Debian 12: `apt-get install -t bookworm-backports mesa-vulkan-drivers libvulkan1`, ' +
        'or run `npm run setup` as root); Dawn refuses Mesa older than 23. ' +
        'With a GPU, install its vendor\'s Vulkan driver. In a browser, use one with WebGPU enabled.',
    );
    this.name = 'NoAdapterError';
  }
}

/** Thrown when the device was lost or reported an error the library could not recover from. */
export class DeviceError extends WebgradError {
  constructor(message: string) {
    super(message);
    this.name = 'DeviceError';
  }
}

/// <reference types="@webgpu/types" preserve="true" />
// The Node entry: everything in the browser entry, with `init()` on Dawn (the `webgpu` package)
// and safetensors checkpoints on disk.
export * from './index.js';
export { init } from './session/node.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors.js';

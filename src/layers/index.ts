export { Module, type LoadStateDictOptions, type LoadStateDictResult } from './module.js';
export { Conv2d, type Conv2dLayerOptions } from './conv.js';
export { Linear, type LinearLayerOptions } from './linear.js';
export { ReLU, Flatten, MaxPool2d, LocalResponseNorm, type MaxPool2dLayerOptions, type LocalResponseNormLayerOptions } from './basic.js';
export { Dropout, type DropoutLayerOptions } from './dropout.js';
export { Sequential } from './sequential.js';
export { initialise, deriveSeed, INIT_SCHEMES, type InitScheme, type InitialiseOptions, type LayerInitOptions } from './init.js';

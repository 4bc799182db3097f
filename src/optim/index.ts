export { SGD, type SGDOptions, type SGDState } from './sgd.js';
export { StepLR, type StepLROptions, type StepLRState, type HasLr } from './step-lr.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions, type ReduceLROnPlateauState } from './plateau.js';
export { Adam, AdamW, type AdamOptions, type AdamState, type AdamParamGroup } from './adam.js';
export { CosineWarmupLR, type CosineWarmupLROptions, type CosineWarmupLRState } from './cosine-lr.js';
export { clipGradNorm, type ClipGradNormOptions } from './clip-grad.js';

import { uniformLayout } from '../runtime/wgsl-struct.js';

/** elementwise_params.wgsl's uniform block: the element count of gelu, cast and unary. */
export const ELEMENTWISE_PARAMS = uniformLayout('elementwise_params', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });

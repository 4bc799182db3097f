// The names of the initial-value schemes: a file of its own so that Module (which takes a scheme in
// resetParameters) and init.ts (which walks Modules) both import it, and not each other.
/**
 * - 'torch': PyTorch's defaults for Conv2d and Linear: kaiming_uniform(a=√5) weights, which is
 *   U(−1/√fan_in, 1/√fan_in), and biases from the same range.
 * - 'kaiming': He et al.: weights N(0, 2/fan_in) (fan-in mode, ReLU gain √2), biases 0.
 * - 'paper': AlexNet (Krizhevsky et al. 2012): weights N(0, 0.01²), biases 0, or the layer's
 *   `paperBias` (1 for conv2, conv4, conv5 and the hidden fully connected layers).
 */
export type InitScheme = 'torch' | 'kaiming' | 'paper';

export const INIT_SCHEMES: readonly InitScheme[] = ['torch', 'kaiming', 'paper'];

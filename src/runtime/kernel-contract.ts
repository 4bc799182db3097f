import { WebgradError } from '../errors.js';
import { kernelSource, type KernelFile } from './sources.js';
import { checkConstantsAgainstWgsl, checkLayoutAgainstWgsl, uniformStructName, type KernelConstants, type UniformLayout } from './wgsl-struct.js';

/** What a dispatcher promises its WGSL: the uniform block's fields and the named constants' values. */
export interface KernelContract {
  files: readonly KernelFile[];
  /** The uniform block, by field name; required where the module declares a `var<uniform>`. */
  params?: UniformLayout;
  /** Named integer constants (op codes) that one of the files declares with the same values. */
  constants?: KernelConstants;
}

/**
 * Checks a kernel's module against its dispatcher's declarations, once, when its pipeline is
 * created: a field or op code that differs is a WebgradError naming the file and the name.
 */
export function checkKernelContract(spec: KernelContract): void {
  const kernel = spec.files.join('+');
  const declared = [spec.params?.file, spec.constants?.file].filter((f) => f !== undefined);
  for (const file of declared) {
    if (!spec.files.includes(file)) throw new WebgradError(`webgrad: kernel ${kernel} is checked against ${file}.wgsl, which it is not made of`);
  }
  if (spec.params) checkLayoutAgainstWgsl(spec.params, kernelSource([spec.params.file]));
  else {
    const struct = uniformStructName(kernelSource(spec.files));
    if (struct) throw new WebgradError(`webgrad: kernel ${kernel} has a uniform struct ${struct} but its dispatcher declares no uniform layout`);
  }
  if (spec.constants) checkConstantsAgainstWgsl(spec.constants, kernelSource([spec.constants.file]));
}

import { WebgradError } from '../device/errors.js';
import { kernelSource, type KernelFile } from './sources.js';
import { checkConstants, checkUniformLayout, parseIntegerConstants, parseStruct, uniformStructName, type UniformLayout } from './wgsl-struct.js';

/** What a dispatcher promises its WGSL: the uniform block's fields and the named constants' values. */
export interface KernelContract {
  files: readonly KernelFile[];
  /** The uniform block, by field name; required where the module declares a `var<uniform>`. */
  params?: UniformLayout;
  /** Named integer constants (op codes) that the WGSL declares with the same values. */
  constants?: Readonly<Record<string, number>>;
}

/**
 * Checks a kernel's module against its dispatcher's declarations, once, when its pipeline is
 * created: a field or op code that differs is a WebgradError naming the file and the name.
 */
export function checkKernelContract(spec: KernelContract): void {
  const texts = spec.files.map((file) => ({ file, text: kernelSource([file]) }));
  const struct = uniformStructName(texts.map((t) => t.text).join('\n'));
  const kernel = spec.files.join('+');
  if (struct && !spec.params) throw new WebgradError(`webgrad: kernel ${kernel} has a uniform struct ${struct} but its dispatcher declares no uniform layout`);
  if (spec.params) {
    if (!struct) throw new WebgradError(`webgrad: kernel ${kernel} has no var<uniform> but its dispatcher declares a uniform layout`);
    const home = texts.find((t) => parseStruct(t.text, struct) !== null);
    if (!home) throw new WebgradError(`webgrad: kernel ${kernel} declares no struct ${struct}`);
    checkUniformLayout(String(home.file), struct, parseStruct(home.text, struct)!, spec.params);
  }
  if (spec.constants) {
    const all = new Map<string, number>();
    for (const t of texts) for (const [k, v] of parseIntegerConstants(t.text)) all.set(k, v);
    checkConstants(kernel, all, spec.constants);
  }
}

/**
 * The WGSL text of every kernel family. The `.wgsl` files stay plain files (no generated code in
 * src/). A build carries their texts in the module wgsl-texts (registered at `init()`); running
 * from the sources, Node reads them once, at `init()`, from `src/kernels/wgsl/NAME.wgsl`.
 */
export const KERNEL_FILES = [
  'grid',
  'philox',
  'fill',
  'random',
  'unary',
  'broadcast', 'binary', 'int_compare', 'cast', 'index_check', 'index_select', 'gather',
  'reduce',
  'image',
  'gemm_common', 'gemm_operands', 'gemm', 'gemm_small', 'gemm_workgroup', 'gemm_texture', 'gemm_pack', 'gemm_pad', 'gemm_sum',
  'sgd',
  'window', 'conv', 'conv_implicit', 'conv_implicit_sum', 'winograd_common', 'winograd_data', 'winograd_filter', 'winograd_output', 'maxpool', 'lrn_common', 'lrn', 'lrn_wide', 'relu', 'dropout', 'row_reduce', 'labels', 'loss',
  'softmax', 'nll', 'strided', 'where', 'adam', 'batchnorm', 'avgpool',
] as const;

export type KernelFile = (typeof KERNEL_FILES)[number] | (string & {});

const sources = new Map<string, string>();

/** Reads the kernel files not registered yet, by name (`read('gemm')` gives wgsl/gemm.wgsl's text). */
export async function loadKernelSources(read: (name: string) => Promise<string>): Promise<void> {
  const missing = missingKernelSources();
  const texts = await Promise.all(missing.map((name) => read(name)));
  missing.forEach((name, i) => sources.set(name, texts[i]));
}

export function registerKernelSources(texts: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(texts)) sources.set(name, text);
}

/** The kernel files neither registered nor loaded yet. */
export function missingKernelSources(): string[] {
  return KERNEL_FILES.filter((name) => !sources.has(name));
}

/** The WGSL of a module made of library files (such as the random generator) and one kernel file. */
export function kernelSource(files: readonly KernelFile[]): string {
  return files
    .map((name) => {
      const text = sources.get(name);
      if (text === undefined) throw new Error(`webgrad: WGSL source '${name}' is not loaded; call init() first`);
      return text;
    })
    .join('\n');
}

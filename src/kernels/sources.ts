/**
 * The WGSL text of every kernel family. The `.wgsl` files stay plain files (no generated code): the
 * platform reads them once, at `init()`, from next to this module (`wgsl/NAME.wgsl`), through the
 * reader it is given: the file system in Node, `fetch` in a browser. Bundlers can call
 * `registerKernelSources` instead.
 */
export const KERNEL_FILES = [
  'philox',
  'fill',
  'random',
  'unary',
  'binary',
  'reduce',
  'permute',
  'image',
  'gemm_common', 'gemm_operands', 'gemm', 'gemm_tiled', 'gemm_texture', 'gemm_pack', 'gemm_pad', 'gemm_sum',
  'sgd',
  'conv', 'maxpool', 'lrn', 'relu', 'dropout', 'loss',
  'softmax', 'nll', 'strided', 'where', 'adam', 'batchnorm', 'avgpool',
] as const;

export type KernelFile = (typeof KERNEL_FILES)[number] | (string & {});

const sources = new Map<string, string>();

export const WGSL_DIR = new URL('./wgsl/', import.meta.url);

export async function loadKernelSources(read: (url: URL) => Promise<string>, dir: URL = WGSL_DIR): Promise<void> {
  const missing = KERNEL_FILES.filter((name) => !sources.has(name));
  const texts = await Promise.all(missing.map((name) => read(new URL(`${name}.wgsl`, dir))));
  missing.forEach((name, i) => sources.set(name, texts[i]));
}

export function registerKernelSources(texts: Record<string, string>): void {
  for (const [name, text] of Object.entries(texts)) sources.set(name, text);
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

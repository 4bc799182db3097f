import { WebgradError } from '../errors.js';
import { KERNEL_FILES, type KernelFile } from './kernel-files.js';

/**
 * The WGSL text of every kernel file. The `.wgsl` files stay plain files; their names are
 * kernel-files.ts, which the build generates from the folder. A build carries their texts in the
 * module wgsl-texts (registered at `init()`); running from the sources, Node reads them once, at
 * `init()`, from `src/kernels/wgsl/NAME.wgsl`.
 *
 * A file that needs others before it (a prelude: `grid`, `window`, a uniform block it shares) says
 * so in a line of its own, `// requires: grid window`; `kernelModule` reads it, so no dispatcher
 * repeats the list.
 */
export { KERNEL_FILES, type KernelFile };

const sources = new Map<string, string>();
const modules = new Map<KernelFile, readonly KernelFile[]>();

/** Reads the kernel files not registered yet, by name (`read('gemm')` gives wgsl/gemm.wgsl's text). */
export async function loadKernelSources(read: (name: string) => Promise<string>): Promise<void> {
  const missing = missingKernelSources();
  const texts = await Promise.all(missing.map((name) => read(name)));
  missing.forEach((name, i) => sources.set(name, texts[i]));
  modules.clear();
}

export function registerKernelSources(texts: Readonly<Record<string, string>>): void {
  for (const [name, text] of Object.entries(texts)) sources.set(name, text);
  modules.clear();
}

/** The kernel files neither registered nor loaded yet. */
export function missingKernelSources(): KernelFile[] {
  return KERNEL_FILES.filter((name) => !sources.has(name));
}

function text(name: string): string {
  const source = sources.get(name);
  if (source === undefined) throw new Error(`webgrad: WGSL source '${name}' is not loaded; call init() first`);
  return source;
}

/** The files a `// requires: a b` line of `source` names, in order. */
export function requiredFiles(source: string): string[] {
  return [...source.matchAll(/^\/\/ requires:(.*)$/gm)].flatMap((m) => m[1].trim().split(/\s+/)).filter((s) => s !== '');
}

const isKernelFile = (name: string): name is KernelFile => (KERNEL_FILES as readonly string[]).includes(name);

/**
 * The files one kernel's module is made of, in order: what `file` requires (and what those
 * require, each once), then `file`.
 */
export function kernelModule(file: KernelFile): readonly KernelFile[] {
  let list = modules.get(file);
  if (list) return list;
  const out: KernelFile[] = [];
  const visit = (name: KernelFile, path: readonly KernelFile[]): void => {
    if (out.includes(name)) return;
    if (path.includes(name)) throw new WebgradError(`webgrad: WGSL files require each other in a circle: ${[...path, name].join(' → ')}`);
    for (const req of requiredFiles(text(name))) {
      if (!isKernelFile(req)) throw new WebgradError(`webgrad: ${name}.wgsl requires '${req}', which is no file of src/kernels/wgsl/`);
      visit(req, [...path, name]);
    }
    out.push(name);
  };
  visit(file, []);
  list = out;
  modules.set(file, list);
  return list;
}

/** The WGSL of a module made of library files (such as the random generator) and one kernel file. */
export function kernelSource(files: readonly KernelFile[]): string {
  return files.map(text).join('\n');
}

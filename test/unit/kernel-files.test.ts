import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNEL_FILES_MODULE, WGSL_DIR, kernelFilesModule, wgslNames } from '../../scripts/wgsl-texts.mjs';
import { KERNEL_FILES, kernelModule, registerKernelSources, requiredFiles } from '../../src/runtime/sources.js';
import { declareKernel } from '../../src/runtime/kernel.js';
import { uniformLayout } from '../../src/runtime/wgsl-struct.js';

const wgsl = (name: string): string => readFileSync(`${WGSL_DIR}${name}.wgsl`, 'utf8');

// No device: the kernel list is generated from the folder, and a kernel's module comes from its
// file's `// requires:` line, so neither a ground-floor list nor a dispatch site spells them out.
describe('the kernel files', () => {
  it('kernel-files.ts is what the build generates from src/kernels/wgsl/ (run `node scripts/wgsl-texts.mjs` when not)', () => {
    expect(readFileSync(KERNEL_FILES_MODULE, 'utf8')).toBe(kernelFilesModule());
    expect([...KERNEL_FILES]).toEqual(wgslNames());
  });

  it('every `// requires:` line names files of the folder', () => {
    for (const name of KERNEL_FILES) {
      for (const req of requiredFiles(wgsl(name))) expect(KERNEL_FILES, `${name}.wgsl requires ${req}`).toContain(req);
    }
  });

  it("a kernel's module is its preludes, in the order its file names them, then the file", () => {
    registerKernelSources(Object.fromEntries(KERNEL_FILES.map((f) => [f, wgsl(f)])));
    expect(kernelModule('maxpool')).toEqual(['grid', 'window', 'maxpool']);
    expect(kernelModule('gemm_workgroup')).toEqual(['grid', 'gemm_common', 'gemm_operands', 'gemm_workgroup']);
    expect(kernelModule('loss')).toEqual(['grid', 'row_reduce', 'labels', 'loss']);
    expect(kernelModule('gemm_pack')).toEqual(['gemm_pack']);
  });

  it('reads what a prelude requires, each file once, and refuses a circle or an unknown name', () => {
    registerKernelSources({ grid: '// requires: window\n', window: '', maxpool: '// requires: grid window\n' });
    expect(kernelModule('maxpool')).toEqual(['window', 'grid', 'maxpool']);
    registerKernelSources({ grid: '// requires: maxpool\n' });
    expect(() => kernelModule('maxpool')).toThrow(/require each other in a circle: maxpool → grid → maxpool/);
    registerKernelSources({ grid: '// requires: nosuch\n' });
    expect(() => kernelModule('maxpool')).toThrow(/grid\.wgsl requires 'nosuch', which is no file of src\/kernels\/wgsl\//);
    registerKernelSources(Object.fromEntries(KERNEL_FILES.map((f) => [f, wgsl(f)])));
  });

  it("a declaration's spec carries its module, uniform layout and workgroup size", () => {
    registerKernelSources(Object.fromEntries(KERNEL_FILES.map((f) => [f, wgsl(f)])));
    const params = uniformLayout('elementwise_params', { n: 'u32', _p0: 'u32', _p1: 'u32', _p2: 'u32' });
    const cast = declareKernel({ file: 'cast', entries: ['toFloat', 'toInt'], params, workgroup: 128 });
    expect(cast.spec('toFloat')).toEqual({ files: ['grid', 'elementwise_params', 'cast'], entry: 'toFloat', overrides: { WG: 128 }, params });
    expect(cast.spec('toFloat', { X: 1 }, 'r')).toEqual({ files: ['grid', 'elementwise_params', 'cast'], entry: 'toFloat', overrides: { X: 1, WG: 128 }, label: 'r', params });
  });
});

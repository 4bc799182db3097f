import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  UniformLayout, checkConstantsAgainstWgsl, checkLayoutAgainstWgsl, constantNames, parseIntegerConstants, parseStruct,
  uniformLayout, uniformStructName, type KernelConstants,
} from '../../src/runtime/wgsl-struct.js';
import { checkKernelContract } from '../../src/runtime/kernel-contract.js';
import { KERNEL_FILES, kernelModule, kernelSource, registerKernelSources } from '../../src/runtime/sources.js';
import { WebgradError } from '../../src/errors.js';

// No GPU needed: the declarations are compared with the WGSL files' text.
const WGSL_DIR = join(__dirname, '../../src/kernels/wgsl');
const wgsl = (name: string): string => readFileSync(join(WGSL_DIR, `${name}.wgsl`), 'utf8');

const CONV_FIELDS = {
  total: 'u32', c: 'u32', h: 'u32', w: 'u32',
  oh: 'u32', ow: 'u32', kh: 'u32', kw: 'u32',
  sh: 'u32', sw: 'u32', ph: 'u32', pw: 'u32',
  nb: 'u32', base: 'u32', ld: 'u32', _p1: 'u32',
} as const;

describe('parseStruct', () => {
  it('reads names and types in order, past comments, attributes, nested <…, …> and vec aliases', () => {
    const src = `
      // struct Params { wrong: f32 }
      struct Other { a: f32 }
      struct Params {
        n: u32, rank: u32, /* a comment, with a comma */ _p0: u32,
        // trailing comment, with: a colon
        shape: array<vec4<u32>, 2>,
        @align(16) mean: vec4f,
        scale : f32
      }
      @group(0) @binding(0) var<uniform> p: Params;`;
    expect(uniformStructName(src)).toBe('Params');
    expect(parseStruct(src, 'Params')).toEqual([
      { name: 'n', type: 'u32' },
      { name: 'rank', type: 'u32' },
      { name: '_p0', type: 'u32' },
      { name: 'shape', type: 'array<vec4<u32>,2>' },
      { name: 'mean', type: 'vec4<f32>' },
      { name: 'scale', type: 'f32' },
    ]);
    expect(parseStruct(src, 'Missing')).toBeNull();
  });

  it('reads the 16 fields of conv.wgsl', () => {
    expect(parseStruct(wgsl('conv'), 'Params')?.map((f) => f.name)).toEqual(Object.keys(CONV_FIELDS));
  });
});

describe('uniformLayout', () => {
  it('places fields by WGSL alignment and packs them by name, padding and array tails zero', () => {
    const layout = uniformLayout('cast', {
      n: 'u32', k: 'i32', _p0: 'u32', _p1: 'u32',
      scale: 'f32', _p2: 'f32', _p3: 'f32', _p4: 'f32',
      mean: 'vec4<f32>',
      shape: 'array<vec4<u32>, 2>',
    });
    expect(layout.slots.map((s) => s.offset)).toEqual([0, 4, 8, 12, 16, 20, 24, 28, 32, 48]);
    expect(layout.size).toBe(80);
    const bytes = layout.pack({ n: 7, k: -3, scale: 0.5, mean: [1, 2, 3, 4], shape: [5, 6, 7] });
    const u = new Uint32Array(bytes.buffer);
    const f = new Float32Array(bytes.buffer);
    const i = new Int32Array(bytes.buffer);
    expect([u[0], i[1], u[2], u[3], f[4], u[5]]).toEqual([7, -3, 0, 0, 0.5, 0]);
    expect(Array.from(f.slice(8, 12))).toEqual([1, 2, 3, 4]);
    expect(Array.from(u.slice(12, 20))).toEqual([5, 6, 7, 0, 0, 0, 0, 0]);
  });

  it('aligns a vec4 after scalars to 16 bytes, and rounds the block to 16', () => {
    const layout = uniformLayout('cast', { a: 'u32', v: 'vec4<u32>', b: 'f32' });
    expect(layout.slots.map((s) => s.offset)).toEqual([0, 16, 32]);
    expect(layout.size).toBe(48);
  });

  it('refuses more values than a field holds, and a missing value, naming the field', () => {
    const layout = uniformLayout('cast', { n: 'u32', shape: 'array<vec4<u32>, 2>', _p: 'u32' });
    expect(() => layout.pack({ n: 1, shape: new Array(9).fill(1) })).toThrow(/'shape'.*at most 8 values, got 9/);
    expect(() => layout.pack({ n: 1 } as never)).toThrow(/'shape' was not given a value/);
  });
});

describe('a declaration checked against its WGSL struct', () => {
  const text = wgsl('conv');
  const expectMismatch = (fields: Record<string, string>, message: RegExp): void => {
    const layout = new UniformLayout('conv', fields as Record<string, 'u32'>);
    expect(() => checkLayoutAgainstWgsl(layout, text)).toThrow(WebgradError);
    expect(() => checkLayoutAgainstWgsl(layout, text)).toThrow(message);
  };

  it('passes when names, order and types agree', () => {
    expect(() => checkLayoutAgainstWgsl(uniformLayout('conv', CONV_FIELDS), text)).not.toThrow();
  });

  it('fails on a field missing from the declaration, naming it and the file', () => {
    const { base: _, ...fields } = CONV_FIELDS;
    expectMismatch(fields, /field 'base' of WGSL struct Params in conv\.wgsl is missing from the TypeScript/);
  });

  it('fails on a field the WGSL lacks', () => {
    expectMismatch({ ...CONV_FIELDS, groups: 'u32' }, /'groups' is declared in TypeScript but WGSL struct Params in conv\.wgsl has no such field/);
  });

  it('fails on two fields swapped (the silent wrong answer of packing by position)', () => {
    const { nb, base, ...rest } = CONV_FIELDS;
    const swapped = { ...Object.fromEntries(Object.entries(rest).slice(0, 12)), base, nb, ld: 'u32', _p1: 'u32' };
    expectMismatch(swapped, /field 'nb' is field 12 of WGSL struct Params in conv\.wgsl but field 13 of the TypeScript/);
  });

  it('fails on a type that differs', () => {
    expectMismatch({ ...CONV_FIELDS, ph: 'i32' }, /field 'ph' is u32 in WGSL struct Params in conv\.wgsl but i32 in the TypeScript/);
  });
});

describe('op codes named on both sides', () => {
  it('reads u32, i32 and untyped integer constants', () => {
    const c = parseIntegerConstants('const OP_ADD: u32 = 0u;\nconst X = 0x10u; // hex\nconst Y: i32 = -2;\nconst F = 1.5;');
    expect([...c]).toEqual([['OP_ADD', 0], ['X', 16], ['Y', -2]]);
  });

  it('names the TypeScript codes as WGSL constants and fails on a differing or missing one', () => {
    const codes = constantNames('binary', 'OP_', { add: 0, sub: 1, maximum: 5, countCorrect: 7 });
    expect(codes.values).toEqual({ OP_ADD: 0, OP_SUB: 1, OP_MAXIMUM: 5, OP_COUNT_CORRECT: 7 });
    const text = 'const OP_ADD: u32 = 0u;\nconst OP_SUB: u32 = 2u;';
    expect(() => checkConstantsAgainstWgsl(constantNames('binary', 'OP_', { add: 0 }), text)).not.toThrow();
    expect(() => checkConstantsAgainstWgsl(constantNames('binary', 'OP_', { sub: 1 }), text)).toThrow(/OP_SUB is 2 in binary\.wgsl but 1 in TypeScript/);
    expect(() => checkConstantsAgainstWgsl(constantNames('binary', 'OP_', { mul: 2 }), text)).toThrow(/OP_MUL \(2 in TypeScript\) is not declared in binary\.wgsl/);
  });
});

describe("every dispatcher's declarations", async () => {
  // Each kernel module exports its layouts and op-code constants; collect them all.
  const layouts: UniformLayout[] = [];
  const constants: KernelConstants[] = [];
  // The dispatchers, and the runtime (its poisoning fill).
  const dirs = [join(__dirname, '../../src/kernels'), join(__dirname, '../../src/runtime')];
  const modules = dirs.flatMap((dir) => readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f)));
  for (const file of modules) {
    const mod = (await import(file)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      if (value instanceof UniformLayout) layouts.push(value);
      else if (value && typeof value === 'object' && 'file' in value && 'values' in value) constants.push(value as KernelConstants);
    }
  }

  it('match their WGSL files, and every kernel file with a uniform block has one', () => {
    for (const layout of layouts) checkLayoutAgainstWgsl(layout, wgsl(layout.file));
    const withUniforms = KERNEL_FILES.filter((f) => uniformStructName(wgsl(f)) !== null);
    expect(new Set(layouts.map((l) => l.file))).toEqual(new Set(withUniforms));
  });

  it('name op codes the WGSL declares with the same values', () => {
    expect(constants.map((c) => c.file).sort()).toEqual(['binary', 'conv_implicit', 'gemm_common', 'gemm_sum', 'int_compare', 'reduce', 'unary', 'winograd_common']);
    for (const c of constants) checkConstantsAgainstWgsl(c, wgsl(c.file));
  });

  it('are checked at pipeline creation: a module with uniforms needs a layout, from one of its files', () => {
    registerKernelSources(Object.fromEntries(KERNEL_FILES.map((f) => [f, wgsl(f)])));
    const conv = layouts.find((l) => l.file === 'conv')!;
    expect(() => checkKernelContract({ files: ['conv'], params: conv })).not.toThrow();
    expect(() => checkKernelContract({ files: ['conv'] })).toThrow(/kernel conv has a uniform struct Params but its dispatcher declares no uniform layout/);
    expect(() => checkKernelContract({ files: ['softmax'], params: conv })).toThrow(/checked against conv\.wgsl, which it is not made of/);
    const wrong = new UniformLayout('conv', { ...CONV_FIELDS, kh: 'f32' });
    expect(() => checkKernelContract({ files: ['conv'], params: wrong })).toThrow(/'kh' is u32 in WGSL struct Params in conv\.wgsl but f32/);
  });
});

describe('the folded grid and workgroup sizes', () => {
  it('is undone by grid.wgsl alone', () => {
    const others = KERNEL_FILES.filter((f) => f !== 'grid' && /nwg\.x\s*\+\s*wid\.x|wid\.x\s*\+\s*wid\.y\s*\*\s*nwg\.x/.test(wgsl(f)));
    expect(others).toEqual([]);
  });

  it('leaves WG without a default wherever a kernel sizes its workgroups by it, so the dispatcher must set it', () => {
    // In the module the kernel compiles as: a shared uniform block (elementwise_params.wgsl) declares it for its kernels.
    registerKernelSources(Object.fromEntries(KERNEL_FILES.map((f) => [f, wgsl(f)])));
    for (const f of KERNEL_FILES) {
      if (!/@workgroup_size\(WG\)/.test(wgsl(f))) continue;
      expect(kernelSource(kernelModule(f)), f).toMatch(/^override WG: u32;$/m);
    }
  });
});

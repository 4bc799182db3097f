import type { KernelFile } from './kernel-files.js';
import { WebgradError } from '../errors.js';

/**
 * The TypeScript side of the contract between a dispatcher and its WGSL: a kernel's uniform block
 * is declared once, by field name and WGSL type, packed by name, and compared with the WGSL struct
 * when the kernel's pipeline is created (kernel-contract.ts). A field added, dropped, renamed,
 * moved or retyped on one side only is then an error naming it, not a silently wrong value.
 */

type Scalar = 'u32' | 'i32' | 'f32';
/** The WGSL types a uniform field may have here: scalars, vec4s and arrays of vec4s. */
export type UniformType = Scalar | `vec4<${Scalar}>` | `array<vec4<${Scalar}>, ${number}>`;

/** What a field of type T is packed from: a number for a scalar, up to 4·N numbers (zero-padded) otherwise. */
export type UniformValue<T extends UniformType> = T extends Scalar ? number : readonly number[];

/** The values `pack` takes: every declared field except padding (named `_…`, always zero). */
export type UniformValues<F extends Record<string, UniformType>> = {
  readonly [K in keyof F as K extends `_${string}` ? never : K]: UniformValue<F[K]>;
};

interface FieldSlot {
  name: string;
  type: UniformType;
  kind: Scalar;
  /** Byte offset in the block, by WGSL's uniform layout rules. */
  offset: number;
  /** Number of 4-byte elements (1 for a scalar, 4 for a vec4, 4·N for an array of N vec4s). */
  count: number;
}

/** One kernel's uniform block, in the order and with the types of its WGSL struct. */
export class UniformLayout<F extends Record<string, UniformType> = Record<string, UniformType>> {
  readonly slots: readonly FieldSlot[];
  /** Bytes of the block (a multiple of 16, as WGSL rounds a uniform struct). */
  readonly size: number;

  /** `file`: the kernel file (wgsl/NAME.wgsl) that declares the struct. */
  constructor(readonly file: KernelFile, readonly fields: Readonly<F>) {
    const slots: FieldSlot[] = [];
    let offset = 0;
    for (const [name, type] of Object.entries(fields) as [string, UniformType][]) {
      const shape = shapeOf(type);
      if (!shape) throw new WebgradError(`webgrad: uniform field '${name}' has unsupported type '${type}'`);
      offset = Math.ceil(offset / shape.align) * shape.align;
      slots.push({ name, type, kind: shape.kind, offset, count: shape.count });
      offset += shape.count * 4;
    }
    this.slots = slots;
    this.size = Math.max(16, Math.ceil(offset / 16) * 16);
  }

  /** The block's bytes, each field written at its offset (padding and unlisted array tails zero). */
  pack(values: UniformValues<F>): Uint8Array {
    const bytes = new Uint8Array(this.size);
    const view = new DataView(bytes.buffer);
    const given = values as Readonly<Record<string, number | readonly number[] | undefined>>;
    for (const slot of this.slots) {
      if (slot.name.startsWith('_')) continue;
      const v = given[slot.name];
      if (v === undefined) throw new WebgradError(`webgrad: uniform field '${slot.name}' was not given a value`);
      const list = typeof v === 'number' ? [v] : v;
      if (list.length > slot.count) {
        throw new WebgradError(`webgrad: uniform field '${slot.name}' (${slot.type}) takes at most ${slot.count} values, got ${list.length}`);
      }
      list.forEach((x, i) => {
        const at = slot.offset + i * 4;
        if (slot.kind === 'f32') view.setFloat32(at, x, true);
        else if (slot.kind === 'i32') view.setInt32(at, x | 0, true);
        else view.setUint32(at, x >>> 0, true);
      });
    }
    return bytes;
  }
}

/**
 * Declares the uniform block of the struct in wgsl/`file`.wgsl, by name:
 * `uniformLayout('fill', { n: 'u32', start: 'f32', step: 'f32', _pad: 'u32' })`.
 */
export const uniformLayout = <F extends Record<string, UniformType>>(file: KernelFile, fields: F): UniformLayout<F> =>
  new UniformLayout<F>(file, fields);

function shapeOf(type: string): { kind: Scalar; align: number; count: number } | null {
  const t = normalizeType(type);
  let m = /^(u32|i32|f32)$/.exec(t);
  if (m) return { kind: m[1] as Scalar, align: 4, count: 1 };
  m = /^vec4<(u32|i32|f32)>$/.exec(t);
  if (m) return { kind: m[1] as Scalar, align: 16, count: 4 };
  m = /^array<vec4<(u32|i32|f32)>,(\d+)>$/.exec(t);
  if (m) return { kind: m[1] as Scalar, align: 16, count: 4 * Number(m[2]) };
  return null;
}

/** A WGSL type written one way: no spaces, `vec4u`/`vec4i`/`vec4f` spelled out. */
export function normalizeType(type: string): string {
  return type
    .replace(/\s+/g, '')
    .replace(/\bvec([234])([uif])\b/g, (_, n: string, s: string) => `vec${n}<${{ u: 'u32', i: 'i32', f: 'f32' }[s]}>`);
}

/** WGSL text without its comments. */
export function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '');
}

export interface WgslField {
  name: string;
  type: string;
}

/** The fields (name and normalized type, in order) of `struct name { … }` in the WGSL, or null when it declares no such struct. */
export function parseStruct(source: string, name: string): WgslField[] | null {
  const text = stripComments(source);
  const head = new RegExp(`\\bstruct\\s+${name}\\s*\\{`).exec(text);
  if (!head) return null;
  const start = head.index + head[0].length;
  const end = text.indexOf('}', start);
  if (end < 0) return null;
  const body = text.slice(start, end);
  // Split at commas outside <…> (array<vec4<u32>, 2> holds one).
  const parts: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '<') depth++;
    else if (ch === '>') depth--;
    else if (ch === ',' && depth === 0) {
      parts.push(body.slice(from, i));
      from = i + 1;
    }
  }
  parts.push(body.slice(from));
  const fields: WgslField[] = [];
  for (const raw of parts) {
    const part = raw.replace(/@\w+\s*(\([^)]*\))?/g, '').trim();
    if (part === '') continue;
    const m = /^(\w+)\s*:\s*([\s\S]+)$/.exec(part);
    if (!m) throw new WebgradError(`webgrad: cannot read the field '${part}' of WGSL struct ${name}`);
    fields.push({ name: m[1], type: normalizeType(m[2]) });
  }
  return fields;
}

/** The struct type of the module's `var<uniform>` block, or null when it has none. */
export function uniformStructName(source: string): string | null {
  const m = /var\s*<\s*uniform\s*>\s*\w+\s*:\s*(\w+)/.exec(stripComments(source));
  return m ? m[1] : null;
}

/**
 * Compares a TypeScript declaration with the fields of the WGSL struct `struct` declared in `file`;
 * throws a WebgradError naming the file and the first field that differs.
 */
export function checkUniformLayout(file: string, struct: string, wgsl: readonly WgslField[], layout: UniformLayout): void {
  const where = `WGSL struct ${struct} in ${file}.wgsl`;
  const ts = layout.slots.map((s) => ({ name: s.name, type: normalizeType(s.type) }));
  const wgslNames = new Set(wgsl.map((f) => f.name));
  const tsNames = new Set(ts.map((f) => f.name));
  for (const f of ts) {
    if (!wgslNames.has(f.name)) throw new WebgradError(`webgrad: uniform field '${f.name}' is declared in TypeScript but ${where} has no such field`);
  }
  for (const f of wgsl) {
    if (!tsNames.has(f.name)) throw new WebgradError(`webgrad: field '${f.name}' of ${where} is missing from the TypeScript uniform declaration`);
  }
  if (wgsl.length !== ts.length) {
    throw new WebgradError(`webgrad: ${where} has ${wgsl.length} fields where the TypeScript uniform declaration has ${ts.length} (a name given twice)`);
  }
  for (let i = 0; i < wgsl.length; i++) {
    if (wgsl[i].name !== ts[i].name) {
      const j = ts.findIndex((f) => f.name === wgsl[i].name);
      throw new WebgradError(`webgrad: field '${wgsl[i].name}' is field ${i} of ${where} but field ${j} of the TypeScript uniform declaration`);
    }
    if (wgsl[i].type !== ts[i].type) {
      throw new WebgradError(`webgrad: field '${wgsl[i].name}' is ${wgsl[i].type} in ${where} but ${ts[i].type} in the TypeScript uniform declaration`);
    }
  }
}

/** The `const NAME: u32 = Nu;` (or i32, or untyped integer) declarations of the WGSL, by name. */
export function parseIntegerConstants(source: string): Map<string, number> {
  const out = new Map<string, number>();
  const re = /\bconst\s+(\w+)\s*(?::\s*(?:u32|i32))?\s*=\s*(-?(?:0x[0-9a-fA-F]+|\d+))[ui]?\s*;/g;
  for (const m of stripComments(source).matchAll(re)) out.set(m[1], Number(m[2]));
  return out;
}

/** Throws a WebgradError naming the constant where the WGSL's value of a named constant is not the TypeScript one. */
export function checkConstants(file: string, wgsl: ReadonlyMap<string, number>, ts: Readonly<Record<string, number>>): void {
  for (const [name, value] of Object.entries(ts)) {
    const w = wgsl.get(name);
    if (w === undefined) throw new WebgradError(`webgrad: constant ${name} (${value} in TypeScript) is not declared in ${file}.wgsl`);
    if (w !== value) throw new WebgradError(`webgrad: constant ${name} is ${w} in ${file}.wgsl but ${value} in TypeScript`);
  }
}

/** Integer constants (op codes) that a kernel file declares by name, as TypeScript gives them. */
export interface KernelConstants {
  /** The kernel file (wgsl/NAME.wgsl) that declares them. */
  file: KernelFile;
  values: Readonly<Record<string, number>>;
}

/**
 * The WGSL constants that name a TypeScript map of codes: `constantNames('binary', 'OP_', { add: 0,
 * maximum: 5 })` expects `const OP_ADD: u32 = 0u;` and `const OP_MAXIMUM: u32 = 5u;` in binary.wgsl.
 */
export function constantNames(file: KernelFile, prefix: string, codes: Readonly<Record<string, number>>): KernelConstants {
  const values: Record<string, number> = {};
  for (const [name, code] of Object.entries(codes)) values[`${prefix}${name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`] = code;
  return { file, values };
}

/** Checks a declaration against its kernel file's text: the struct of its `var<uniform>` must have the declared fields. */
export function checkLayoutAgainstWgsl(layout: UniformLayout, wgsl: string): void {
  const struct = uniformStructName(wgsl);
  if (!struct) throw new WebgradError(`webgrad: ${layout.file}.wgsl has no var<uniform> but its dispatcher declares a uniform layout`);
  const fields = parseStruct(wgsl, struct);
  if (!fields) throw new WebgradError(`webgrad: ${layout.file}.wgsl declares no struct ${struct}`);
  checkUniformLayout(layout.file, struct, fields, layout);
}

/** Checks declared constants against their kernel file's text. */
export function checkConstantsAgainstWgsl(constants: KernelConstants, wgsl: string): void {
  checkConstants(constants.file, parseIntegerConstants(wgsl), constants.values);
}

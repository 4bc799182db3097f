/** Packs a uniform block field by field, in WGSL's layout order (all fields here are 4 bytes). */
export class Uniforms {
  private readonly words: number[] = [];
  private readonly kinds: ('u' | 'f' | 'i')[] = [];

  u32(...values: number[]): this {
    for (const v of values) this.push(v >>> 0, 'u');
    return this;
  }

  i32(...values: number[]): this {
    for (const v of values) this.push(v | 0, 'i');
    return this;
  }

  f32(...values: number[]): this {
    for (const v of values) this.push(v, 'f');
    return this;
  }

  /** An `array<vec4<u32>, n>` holding `values`, zero-padded. */
  u32Array(values: readonly number[], vec4s: number): this {
    for (let i = 0; i < vec4s * 4; i++) this.push((values[i] ?? 0) >>> 0, 'u');
    return this;
  }

  /** Pads to a multiple of 16 bytes, as WGSL rounds a uniform struct's size. */
  get data(): ArrayBuffer {
    const n = Math.ceil(this.words.length / 4) * 4;
    const buffer = new ArrayBuffer(Math.max(n, 4) * 4);
    const view = new DataView(buffer);
    this.words.forEach((w, i) => {
      const kind = this.kinds[i];
      if (kind === 'f') view.setFloat32(i * 4, w, true);
      else if (kind === 'i') view.setInt32(i * 4, w, true);
      else view.setUint32(i * 4, w, true);
    });
    return buffer;
  }

  private push(v: number, kind: 'u' | 'f' | 'i'): void {
    this.words.push(v);
    this.kinds.push(kind);
  }
}

export const bytesOf = (u: Uniforms): Uint8Array => new Uint8Array(u.data);

// Float64 arrays with a shape, and the layout and reduction references of the fuzz table
// (test/kernels/fuzz/): written independently of webgrad, row-major, no device.

export interface Nd {
  shape: number[];
  data: Float64Array;
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export const nd = (shape: number[], data: ArrayLike<number>): Nd => {
  if (data.length !== sizeOf(shape)) throw new Error(`nd: ${data.length} values for shape [${shape}]`);
  return { shape: [...shape], data: Float64Array.from(data) };
};

export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** The multi-index of flat position i. */
export function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    idx[d] = i % shape[d];
    i = Math.floor(i / shape[d]);
  }
  return idx;
}

export const ravel = (idx: readonly number[], shape: readonly number[]): number => idx.reduce((acc, v, d) => acc * shape[d] + v, 0);

/** out[idx] = f(idx) over every index of `shape`. */
export function build(shape: number[], f: (idx: number[]) => number): Nd {
  const data = new Float64Array(sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = f(unravel(i, shape));
  return { shape: [...shape], data };
}

export const at = (x: Nd, idx: readonly number[]): number => x.data[ravel(idx, x.shape)];

export const map = (x: Nd, f: (v: number, i: number) => number): Nd => ({ shape: [...x.shape], data: x.data.map(f) });

/** NumPy's broadcast of shapes, or null where they do not broadcast. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] | null {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    let size = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + d] ?? 1;
      if (v === 1) continue;
      if (size !== 1 && size !== v) return null;
      size = v;
    }
    out.push(size);
  }
  return out;
}

/** x's value at an index of the broadcast shape. */
export function broadcastAt(x: Nd, idx: readonly number[]): number {
  const off = idx.length - x.shape.length;
  return at(x, x.shape.map((s, d) => (s === 1 ? 0 : idx[off + d])));
}

export const broadcastTo = (x: Nd, shape: number[]): Nd => build(shape, (idx) => broadcastAt(x, idx));

/** f applied element-wise over the broadcast of the inputs. */
export function zipWith(inputs: Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShapes(...inputs.map((x) => x.shape));
  if (!shape) throw new Error('zipWith: shapes do not broadcast');
  return build(shape, (idx) => f(...inputs.map((x) => broadcastAt(x, idx))));
}

export function permuteNd(x: Nd, axes: readonly number[]): Nd {
  const shape = axes.map((a) => x.shape[a]);
  return build(shape, (idx) => {
    const src = new Array<number>(x.shape.length);
    axes.forEach((a, d) => (src[a] = idx[d]));
    return at(x, src);
  });
}

export const inversePermutation = (axes: readonly number[]): number[] => {
  const inv = new Array<number>(axes.length);
  axes.forEach((a, d) => (inv[a] = d));
  return inv;
};

/** x[start:end:step] along `dim` (Python's ranges with a positive step, clamped). */
export function sliceNd(x: Nd, dim: number, start: number, end: number, step = 1): Nd {
  const n = x.shape[dim];
  const norm = (v: number) => Math.min(n, Math.max(0, v < 0 ? v + n : v));
  const [s, e] = [norm(start), norm(end)];
  const len = Math.max(0, Math.ceil((e - s) / step));
  const shape = x.shape.map((v, d) => (d === dim ? len : v));
  return build(shape, (idx) => at(x, idx.map((v, d) => (d === dim ? s + v * step : v))));
}

export function catNd(xs: Nd[], dim: number): Nd {
  const shape = [...xs[0].shape];
  shape[dim] = xs.reduce((a, x) => a + x.shape[dim], 0);
  return build(shape, (idx) => {
    let i = idx[dim];
    for (const x of xs) {
      if (i < x.shape[dim]) return at(x, idx.map((v, d) => (d === dim ? i : v)));
      i -= x.shape[dim];
    }
    throw new Error('catNd: out of range');
  });
}

/**
 * A reduction over `axes` (all when undefined), folding each group's values with `f` from
 * `init`, then `finish(acc, count)`.
 */
export function reduceNd(
  x: Nd,
  axes: readonly number[] | undefined,
  keepDims: boolean,
  f: (acc: number, v: number) => number,
  init: number,
  finish: (acc: number, count: number) => number = (a) => a,
): Nd {
  const all = axes ?? x.shape.map((_, d) => d);
  const norm = all.map((a) => (a < 0 ? a + x.shape.length : a));
  const kept = x.shape.map((s, d) => (norm.includes(d) ? 1 : s));
  const count = sizeOf(x.shape) / Math.max(1, sizeOf(kept));
  const acc = new Float64Array(sizeOf(kept)).fill(init);
  const cnt = x.shape.some((s) => s === 0) ? 0 : count;
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape);
    const o = ravel(idx.map((v, d) => (norm.includes(d) ? 0 : v)), kept);
    acc[o] = f(acc[o], x.data[i]);
  }
  const data = acc.map((a) => finish(a, cnt));
  return { shape: keepDims ? kept : x.shape.filter((_, d) => !norm.includes(d)), data };
}

/** Batched, broadcast matmul of PyTorch's torch.matmul (1-D operands promoted and squeezed). */
export function matmulNd(a: Nd, b: Nd): Nd {
  const a2 = a.shape.length === 1 ? { shape: [1, a.shape[0]], data: a.data } : a;
  const b2 = b.shape.length === 1 ? { shape: [b.shape[0], 1], data: b.data } : b;
  const [m, k] = a2.shape.slice(-2);
  const n = b2.shape[b2.shape.length - 1];
  const batch = broadcastShapes(a2.shape.slice(0, -2), b2.shape.slice(0, -2))!;
  const out = build([...batch, m, n], (idx) => {
    const bi = idx.slice(0, -2);
    const [i, j] = idx.slice(-2);
    let s = 0;
    for (let p = 0; p < k; p++) {
      const ai = [...bi.slice(bi.length - (a2.shape.length - 2)).map((v, d) => (a2.shape[d] === 1 ? 0 : v)), i, p];
      const bj = [...bi.slice(bi.length - (b2.shape.length - 2)).map((v, d) => (b2.shape[d] === 1 ? 0 : v)), p, j];
      s += at(a2, ai) * at(b2, bj);
    }
    return s;
  });
  const shape = out.shape.filter((_, d) => !(b.shape.length === 1 && d === out.shape.length - 1) && !(a.shape.length === 1 && d === out.shape.length - 2));
  return { shape, data: out.data };
}

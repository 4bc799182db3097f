/** conv2d from its definition in float64, for the tests of both kernel forms. */
export interface Geo {
  n: number; c: number; h: number; w: number; cout: number; kh: number; kw: number;
  sh: number; sw: number; ph: number; pw: number; oh: number; ow: number;
}

export function geometry(xs: number[], ws: number[], stride: [number, number], pad: [number, number]): Geo {
  const [n, c, h, w] = xs;
  const [cout, , kh, kw] = ws;
  const [sh, sw] = stride;
  const [ph, pw] = pad;
  return { n, c, h, w, cout, kh, kw, sh, sw, ph, pw, oh: Math.floor((h + 2 * ph - kh) / sh) + 1, ow: Math.floor((w + 2 * pw - kw) / sw) + 1 };
}

/** Float64 direct convolution and its gradients for the upstream gradient gout, straight from the definition. */
export function reference(g: Geo, x: Float64Array, w: Float64Array, b: Float64Array, gout: Float64Array) {
  const out = new Float64Array(g.n * g.cout * g.oh * g.ow);
  const gx = new Float64Array(x.length);
  const gw = new Float64Array(w.length);
  const gb = new Float64Array(g.cout);
  for (let n = 0; n < g.n; n++)
    for (let co = 0; co < g.cout; co++)
      for (let oy = 0; oy < g.oh; oy++)
        for (let ox = 0; ox < g.ow; ox++) {
          const o = ((n * g.cout + co) * g.oh + oy) * g.ow + ox;
          let acc = b[co];
          gb[co] += gout[o];
          for (let c = 0; c < g.c; c++)
            for (let ky = 0; ky < g.kh; ky++)
              for (let kx = 0; kx < g.kw; kx++) {
                const y = oy * g.sh - g.ph + ky;
                const xx = ox * g.sw - g.pw + kx;
                if (y < 0 || y >= g.h || xx < 0 || xx >= g.w) continue;
                const xi = ((n * g.c + c) * g.h + y) * g.w + xx;
                const wi = ((co * g.c + c) * g.kh + ky) * g.kw + kx;
                acc += x[xi] * w[wi];
                gx[xi] += gout[o] * w[wi];
                gw[wi] += gout[o] * x[xi];
              }
          out[o] = acc;
        }
  return { out, gx, gw, gb };
}

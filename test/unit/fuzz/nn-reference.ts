// Float64 references of the fuzz table's network ops, as torch.nn.functional defines them (NCHW).
import { at, build, type Nd } from './nd.js';

export function conv2dNd(x: Nd, w: Nd, b: Nd | null, stride: number, pad: number): Nd {
  const [n, c, h, wd] = x.shape;
  const [co, , kh, kw] = w.shape;
  const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const ow = Math.floor((wd + 2 * pad - kw) / stride) + 1;
  return build([n, co, oh, ow], ([i, o, y, xx]) => {
    let s = b ? b.data[o] : 0;
    for (let ci = 0; ci < c; ci++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          const iy = y * stride - pad + ky;
          const ix = xx * stride - pad + kx;
          if (iy >= 0 && iy < h && ix >= 0 && ix < wd) s += at(x, [i, ci, iy, ix]) * at(w, [o, ci, ky, kx]);
        }
      }
    }
    return s;
  });
}

/** max or average pooling (PyTorch's padding: −inf for max, zeros counted or not for average). */
export function pool2dNd(x: Nd, kind: 'max' | 'avg', k: number, stride: number, pad: number, countIncludePad = true): Nd {
  const [n, c, h, w] = x.shape;
  const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
  const ow = Math.floor((w + 2 * pad - k) / stride) + 1;
  return build([n, c, oh, ow], ([i, ch, y, xx]) => {
    let acc = kind === 'max' ? -Infinity : 0;
    let count = 0;
    for (let ky = 0; ky < k; ky++) {
      for (let kx = 0; kx < k; kx++) {
        const iy = y * stride - pad + ky;
        const ix = xx * stride - pad + kx;
        const inside = iy >= 0 && iy < h && ix >= 0 && ix < w;
        // PyTorch's average counts the padded window clipped to the padded input.
        if (iy < h + pad && ix < w + pad && (inside || countIncludePad)) count++;
        if (!inside) continue;
        const v = at(x, [i, ch, iy, ix]);
        acc = kind === 'max' ? (Number.isNaN(acc) || Number.isNaN(v) ? NaN : Math.max(acc, v)) : acc + v;
      }
    }
    return kind === 'max' ? acc : acc / count;
  });
}

/** PyTorch's adaptive average pool: window [floor(i·H/O), ceil((i+1)·H/O)). */
export function adaptiveAvgNd(x: Nd, oh: number, ow: number): Nd {
  const [n, c, h, w] = x.shape;
  return build([n, c, oh, ow], ([i, ch, y, xx]) => {
    const [y0, y1] = [Math.floor((y * h) / oh), Math.ceil(((y + 1) * h) / oh)];
    const [x0, x1] = [Math.floor((xx * w) / ow), Math.ceil(((xx + 1) * w) / ow)];
    let s = 0;
    for (let iy = y0; iy < y1; iy++) for (let ix = x0; ix < x1; ix++) s += at(x, [i, ch, iy, ix]);
    return s / ((y1 - y0) * (x1 - x0));
  });
}

/** F.local_response_norm: the window over channels c − size/2 … c + (size − 1)/2, zeros beyond. */
export function lrnNd(x: Nd, size: number, alpha: number, beta: number, k: number): Nd {
  const c = x.shape[1];
  return build(x.shape, (idx) => {
    let s = 0;
    for (let j = idx[1] - Math.floor(size / 2); j <= idx[1] + Math.floor((size - 1) / 2); j++) {
      if (j >= 0 && j < c) s += at(x, [idx[0], j, ...idx.slice(2)]) ** 2;
    }
    return at(x, idx) / (k + (alpha / size) * s) ** beta;
  });
}

/** Training-mode F.batch_norm over axis 1 (biased variance). */
export function batchNormNd(x: Nd, weight: Nd, bias: Nd, eps: number): Nd {
  const c = x.shape[1];
  const count = x.data.length / c;
  const mean = new Float64Array(c);
  const sq = new Float64Array(c);
  const chan = (i: number) => Math.floor(i / x.shape.slice(2).reduce((a, b) => a * b, 1)) % c;
  x.data.forEach((v, i) => (mean[chan(i)] += v / count));
  x.data.forEach((v, i) => (sq[chan(i)] += (v - mean[chan(i)]) ** 2 / count));
  return { shape: [...x.shape], data: x.data.map((v, i) => ((v - mean[chan(i)]) / Math.sqrt(sq[chan(i)] + eps)) * weight.data[chan(i)] + bias.data[chan(i)]) };
}

/** softmax or logSoftmax along `axis`, as PyTorch (NaN rows where the maximum is +inf or all are −inf). */
export function softmaxNd(x: Nd, axis: number, log: boolean): Nd {
  const a = axis < 0 ? axis + x.shape.length : axis;
  return build(x.shape, (idx) => {
    let m = -Infinity;
    const row = Array.from({ length: x.shape[a] }, (_, j) => at(x, idx.map((v, d) => (d === a ? j : v))));
    for (const v of row) m = Number.isNaN(v) || Number.isNaN(m) ? NaN : Math.max(m, v);
    const s = row.reduce((acc, v) => acc + Math.exp(v - m), 0);
    const v = at(x, idx);
    return log ? v - m - Math.log(s) : Math.exp(v - m) / s;
  });
}

/** Mean negative log-likelihood of log-probabilities [N, C] at the labels (NaN over no rows). */
export function nllNd(logp: Nd, labels: ArrayLike<number>): Nd {
  const [n, c] = logp.shape;
  let s = 0;
  for (let i = 0; i < n; i++) s -= logp.data[i * c + labels[i]];
  return { shape: [], data: Float64Array.of(s / n) };
}

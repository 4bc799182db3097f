// 2-D max pooling over NCHW planes. Forward keeps, for each window, the flat index (y·W + x) in
// its plane of the maximum (the last NaN wins, as in PyTorch); padding is -inf, so it is never
// chosen. Backward is a gather: each input element sums the gradients of the windows that chose
// it, so overlapping windows need no atomics. Each invocation handles one row of its output
// (integer divisions are scalarised per lane on a CPU adapter: they are paid once per row).
struct Params {
  total: u32, h: u32, w: u32, oh: u32,
  ow: u32, kh: u32, kw: u32, sh: u32,
  sw: u32, ph: u32, pw: u32, _p0: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<storage, read_write> indices: array<i32>;

fn linear(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * 64u + lid;
}

// One output row (plane, oy).
@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let oy = t % p.oh;
  let plane = t / p.oh;
  let y0 = i32(oy * p.sh) - i32(p.ph);
  let ys = max(y0, 0);
  let ye = min(y0 + i32(p.kh), i32(p.h));
  let base = plane * p.h * p.w;
  let out0 = t * p.ow;
  var x0 = -i32(p.pw);
  for (var ox = 0u; ox < p.ow; ox++) {
    let xs = max(x0, 0);
    let xe = min(x0 + i32(p.kw), i32(p.w));
    var best = negInf();
    var at = ys * i32(p.w) + xs;
    for (var y = ys; y < ye; y++) {
      for (var xx = xs; xx < xe; xx++) {
        let idx = y * i32(p.w) + xx;
        let v = x[base + u32(idx)];
        if (v > best || v != v) { best = v; at = idx; }
      }
    }
    out[out0 + ox] = best;
    indices[out0 + ox] = at;
    x0 += i32(p.sw);
  }
}

@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> chosen: array<i32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// Windows o whose span covers input position y: o·s - pad <= y < o·s - pad + k.
fn windowRange(y: u32, pad: u32, k: u32, s: u32, n: u32) -> vec2<i32> {
  let hi = i32(y + pad);
  let lo = hi - i32(k) + 1;
  let first = select(0, (lo + i32(s) - 1) / i32(s), lo > 0);
  let last = min(i32(n) - 1, hi / i32(s));
  return vec2<i32>(first, last);
}

// One input row (plane, y).
@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let y = t % p.h;
  let plane = t / p.h;
  let rows = windowRange(y, p.ph, p.kh, p.sh, p.oh);
  let base = plane * p.oh * p.ow;
  let gx0 = t * p.w;
  for (var xx = 0u; xx < p.w; xx++) {
    let own = i32(y * p.w + xx);
    let cols = windowRange(xx, p.pw, p.kw, p.sw, p.ow);
    var acc = 0.0;
    for (var oy = rows.x; oy <= rows.y; oy++) {
      for (var ox = cols.x; ox <= cols.y; ox++) {
        let o = base + u32(oy) * p.ow + u32(ox);
        if (chosen[o] == own) { acc += g[o]; }
      }
    }
    gx[gx0 + xx] = acc;
  }
}

// -inf at run time (WGSL refuses infinities in constant expressions).
fn negInf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

// requires: grid index_check
// gather (torch.gather) along axis `dim`: out has index's shape, and
// out[c] = x[c with c_dim replaced by index[c]] for every coordinate c of index (whose sizes are at
// most x's off the axis). Its gradient, one invocation per element of gx (no atomics: the same inputs
// give the same bits): gx[c] = Σ_t g[c with c_dim = t] over t < index.shape[dim] with
// index[c with c_dim = t] = c_dim, in order of t, and 0 where c lies beyond index's shape.
struct Params {
  n: u32, rank: u32, dim: u32, _p0: u32,
  // index's shape (out's), and x's
  indexShape: array<vec4<u32>, 2>,
  xShape: array<vec4<u32>, 2>,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> index: array<i32>;

fn indexDim(d: u32) -> u32 {
  return p.indexShape[d / 4u][d % 4u];
}

fn xDim(d: u32) -> u32 {
  return p.xShape[d / 4u][d % 4u];
}

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

// One invocation per element of out (index's shape).
@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let e = gridIndex(inv, WG);
  if (e >= p.n) { return; }
  let at = index[e];
  let size = xDim(p.dim);
  if (!indexInRange(e, at, size)) {
    out[e] = NAN_BITS;
    return;
  }
  // x's offset of e's coordinates, with the index along dim.
  var rest = e;
  var offset = 0u;
  var stride = 1u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let ud = u32(d);
    let c = rest % indexDim(ud);
    rest = rest / indexDim(ud);
    offset += select(c, u32(at), ud == p.dim) * stride;
    stride *= xDim(ud);
  }
  out[e] = x[offset];
}

@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// One invocation per element of gx (x's shape).
@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let e = gridIndex(inv, WG);
  if (e >= p.n) { return; }
  // index's offset of e's coordinates with c_dim = 0, the stride along dim, and c_dim.
  var rest = e;
  var base = 0u;
  var stride = 1u;
  var dimStride = 0u;
  var want = 0u;
  var inside = true;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let ud = u32(d);
    let c = rest % xDim(ud);
    rest = rest / xDim(ud);
    if (ud == p.dim) {
      want = c;
      dimStride = stride;
    } else {
      inside = inside && c < indexDim(ud);
      base += c * stride;
    }
    stride *= indexDim(ud);
  }
  var s = 0.0;
  if (inside) {
    for (var t = 0u; t < indexDim(p.dim); t++) {
      let q = base + t * dimStride;
      if (index[q] == i32(want)) { s += g[q]; }
    }
  }
  gx[e] = s;
}

// requires: grid index_check
// indexSelect (torch.index_select) of x viewed as [outer, D, inner] along D at int32 index [K]:
// out[o, k, i] = x[o, index[k], i], and its gradient, gx[o, d, i] = Σ_{k: index[k] = d} g[o, k, i]
// summed in order of k by one invocation per element of gx (no atomics: the same inputs give the
// same bits). The backward costs K reads of the index per element of gx.
// A dispatch binds x (or gx) from row rowStart, rowCount rows of D (kernels/index-select.ts splits a
// tensor larger than one binding into runs of rows when outer = 1; otherwise one run of all D rows).
// Only the dispatch with `checks` = 1 reports and writes elements at bad indices.
struct Params { outer: u32, d: u32, inner: u32, k: u32, rowStart: u32, rowCount: u32, checks: u32, _p0: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> index: array<i32>;

@group(0) @binding(1) var<storage, read> x: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<u32>;

// One invocation per element of out [outer, K, inner].
@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let e = gridIndex(inv, WG);
  if (e >= p.outer * p.k * p.inner) { return; }
  let i = e % p.inner;
  let k = (e / p.inner) % p.k;
  let o = e / (p.inner * p.k);
  let at = index[k];
  if (!(at >= 0 && u32(at) < p.d)) {
    if (p.checks == 1u) {
      _ = indexInRange(k, at, p.d);
      out[e] = NAN_BITS;
    }
    return;
  }
  let row = u32(at);
  if (row < p.rowStart || row >= p.rowStart + p.rowCount) { return; }
  out[e] = x[(o * p.rowCount + row - p.rowStart) * p.inner + i];
}

@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;

// One invocation per element of gx's run [outer, rowCount, inner].
@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let e = gridIndex(inv, WG);
  if (e >= p.outer * p.rowCount * p.inner) { return; }
  let i = e % p.inner;
  let d = i32(p.rowStart + (e / p.inner) % p.rowCount);
  let o = e / (p.inner * p.rowCount);
  var s = 0.0;
  for (var k = 0u; k < p.k; k++) {
    if (index[k] == d) { s += g[(o * p.k + k) * p.inner + i]; }
  }
  gx[e] = s;
}

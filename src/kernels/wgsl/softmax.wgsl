// requires: grid row_reduce
// Softmax and log-softmax of x viewed as [outer, r, inner] along r: one workgroup per (outer, inner)
// row, whose elements lie `inner` apart. The row maximum is subtracted before exp (no overflow), and
// LOG writes x - max - log Σ exp(x - max) directly rather than the log of a rounded softmax.
// backward: softmax dx = y · (g − Σ g·y); log-softmax dx = g − exp(y) · Σ g, from the forward output y.
// Tensors larger than one storage binding run a range of outer slabs at a time (kernels/softmax.ts),
// each tensor bound from the aligned offset before the range: its first slab starts at `base`.
// x (binding 1) and the workgroup reductions are row_reduce.wgsl's.
override LOG: bool;
struct Params { outer: u32, r: u32, inner: u32, base: u32 }
@group(0) @binding(0) var<uniform> p: Params;

const WG: u32 = 64u;

// The first element of row `row` (in [0, outer·inner)).
fn rowBase(row: u32) -> u32 {
  return p.base + (row / p.inner) * p.r * p.inner + row % p.inner;
}

@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  // Uniform control flow: the whole workgroup leaves together.
  if (row >= p.outer * p.inner) { return; }
  let base = rowBase(row);
  let ms = rowMaxSumExp(base, p.inner, p.r, lid, WG);
  let rowMax = ms.x;
  let total = ms.y;
  let logTotal = log(total);
  for (var j = lid; j < p.r; j += WG) {
    let at = base + j * p.inner;
    let shifted = x[at] - rowMax;
    y[at] = select(exp(shifted) / total, shifted - logTotal, LOG);
  }
}

@group(0) @binding(1) var<storage, read> yIn: array<f32>;
@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= p.outer * p.inner) { return; }
  let base = rowBase(row);
  var s = 0.0;
  for (var j = lid; j < p.r; j += WG) {
    let at = base + j * p.inner;
    s += select(g[at] * yIn[at], g[at], LOG);
  }
  let total = workgroupReduce(lid, WG, s, 0u);
  for (var j = lid; j < p.r; j += WG) {
    let at = base + j * p.inner;
    dx[at] = select(yIn[at] * (g[at] - total), g[at] - exp(yIn[at]) * total, LOG);
  }
}

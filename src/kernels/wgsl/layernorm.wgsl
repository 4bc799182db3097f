// requires: grid row_reduce
// LayerNorm (torch.nn.functional.layer_norm) of x viewed as [rows, n], each row normalised over its
// n elements: y = (x − mean)·rstd·weight + bias, rstd = 1/√(var + eps) with the biased variance.
// forward: one workgroup per row; the mean, then the variance about it (two passes, no cancellation),
// and (mean, rstd) saved per row for the backward.
// backward: one workgroup per row, dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) with ĝ = g·weight, x̂ the
// normalised x. paramsBackward: one workgroup per column j, dweight[j] = Σ_rows g·x̂, dbias[j] = Σ_rows g,
// summed in a fixed order (no atomics). Without AFFINE the weight is taken as 1 (its binding is unread).
// x (binding 1) and workgroupReduce are row_reduce.wgsl's.
override AFFINE: bool;
struct Params { rows: u32, n: u32, eps: f32, _p0: u32 }
@group(0) @binding(0) var<uniform> p: Params;

const WG: u32 = 64u;

fn weightAt(j: u32) -> f32 {
  if (AFFINE) { return weight[j]; }
  return 1.0;
}

@group(0) @binding(2) var<storage, read> weight: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> stats: array<f32>;

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  // Uniform control flow: the whole workgroup leaves together.
  if (row >= p.rows) { return; }
  let base = row * p.n;
  var s = 0.0;
  for (var j = lid; j < p.n; j += WG) { s += x[base + j]; }
  let mean = workgroupReduce(lid, WG, s, 0u) / f32(p.n);
  workgroupBarrier();
  var q = 0.0;
  for (var j = lid; j < p.n; j += WG) {
    let d = x[base + j] - mean;
    q += d * d;
  }
  let variance = workgroupReduce(lid, WG, q, 0u) / f32(p.n);
  let rstd = inverseSqrt(variance + p.eps);
  for (var j = lid; j < p.n; j += WG) {
    let v = (x[base + j] - mean) * rstd;
    y[base + j] = select(v, v * weight[j] + bias[j], AFFINE);
  }
  if (lid == 0u) {
    stats[2u * row] = mean;
    stats[2u * row + 1u] = rstd;
  }
}

@group(0) @binding(2) var<storage, read> wIn: array<f32>;
@group(0) @binding(3) var<storage, read> g: array<f32>;
@group(0) @binding(4) var<storage, read> statsIn: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  if (row >= p.rows) { return; }
  let base = row * p.n;
  let mean = statsIn[2u * row];
  let rstd = statsIn[2u * row + 1u];
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = lid; j < p.n; j += WG) {
    let gh = g[base + j] * select(1.0, wIn[j], AFFINE);
    sg += gh;
    sgx += gh * (x[base + j] - mean) * rstd;
  }
  let meanG = workgroupReduce(lid, WG, sg, 0u) / f32(p.n);
  workgroupBarrier();
  let meanGX = workgroupReduce(lid, WG, sgx, 0u) / f32(p.n);
  for (var j = lid; j < p.n; j += WG) {
    let gh = g[base + j] * select(1.0, wIn[j], AFFINE);
    let xh = (x[base + j] - mean) * rstd;
    dx[base + j] = rstd * (gh - meanG - xh * meanGX);
  }
}

@group(0) @binding(2) var<storage, read> gRows: array<f32>;
@group(0) @binding(3) var<storage, read> statsRows: array<f32>;
@group(0) @binding(4) var<storage, read_write> dweight: array<f32>;
@group(0) @binding(5) var<storage, read_write> dbias: array<f32>;

@compute @workgroup_size(64)
fn paramsBackward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                  @builtin(num_workgroups) nwg: vec3<u32>) {
  let col = workgroupIndex(wid, nwg);
  if (col >= p.n) { return; }
  var sw = 0.0;
  var sb = 0.0;
  for (var r = lid; r < p.rows; r += WG) {
    let at = r * p.n + col;
    let gv = gRows[at];
    sw += gv * (x[at] - statsRows[2u * r]) * statsRows[2u * r + 1u];
    sb += gv;
  }
  let totalW = workgroupReduce(lid, WG, sw, 0u);
  workgroupBarrier();
  let totalB = workgroupReduce(lid, WG, sb, 0u);
  if (lid == 0u) {
    dweight[col] = totalW;
    dbias[col] = totalB;
  }
}

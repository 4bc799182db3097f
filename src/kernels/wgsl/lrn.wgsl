// Local response normalisation across channels, as torch.nn.functional.local_response_norm:
//   s_c = k + alpha/size · Σ_{c' = c-⌊size/2⌋ .. c+⌊(size-1)/2⌋} a_{c'}²,   b_c = a_c · s_c^-beta
// (channels outside [0, C) count as zero). Backward, with t_c = g_c · a_c · s_c^(-beta-1):
//   ∂L/∂a_j = g_j · s_j^-beta − (2·alpha·beta/size) · a_j · Σ_{c : j in window(c)} t_c
// where j is in window(c) for c = j-⌊(size-1)/2⌋ .. j+⌊size/2⌋.
// Each invocation walks the channels of one pixel (n, p): the window bounds are then the same for
// every lane, and backward can reuse the t_c it wrote itself, in one dispatch.
struct Params {
  total: u32, c: u32, hw: u32, before: u32,
  after: u32, _p0: u32, _p1: u32, _p2: u32,
  alphaOverSize: f32, beta: f32, k: f32, coef: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn linear(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return (wid.y * nwg.x + wid.x) * 64u + lid;
}

// s_c at the pixel whose channel 0 is at `base` (channels are hw apart).
fn scale(base: u32, c: u32) -> f32 {
  let first = u32(max(i32(c) - i32(p.before), 0));
  let last = min(c + p.after, p.c - 1u);
  var sum = 0.0;
  var at = base + first * p.hw;
  for (var cc = first; cc <= last; cc++) {
    let v = a[at];
    sum += v * v;
    at += p.hw;
  }
  return p.k + p.alphaOverSize * sum;
}

@compute @workgroup_size(64)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let base = (t / p.hw) * p.c * p.hw + t % p.hw;
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    out[at] = a[at] * pow(scale(base, c), -p.beta);
    at += p.hw;
  }
}

@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> tc: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;

@compute @workgroup_size(64)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = linear(wid, lid, nwg);
  if (t >= p.total) { return; }
  let base = (t / p.hw) * p.c * p.hw + t % p.hw;
  // First walk: t_c, and the first term of the gradient.
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    let s = scale(base, c);
    let gs = g[at] * pow(s, -p.beta);
    tc[at] = gs * a[at] / s;
    gx[at] = gs;
    at += p.hw;
  }
  // Second walk: subtract the window sums of t (channels whose window holds j: [j - after, j + before]).
  at = base;
  for (var j = 0u; j < p.c; j++) {
    let first = u32(max(i32(j) - i32(p.after), 0));
    let last = min(j + p.before, p.c - 1u);
    var sum = 0.0;
    var w = base + first * p.hw;
    for (var cc = first; cc <= last; cc++) {
      sum += tc[w];
      w += p.hw;
    }
    gx[at] -= p.coef * a[at] * sum;
    at += p.hw;
  }
}

// What the local response normalisation kernels (lrn.wgsl, windows held in registers; lrn_wide.wgsl,
// any size) share: the formulas, as torch.nn.functional.local_response_norm,
//   s_c = k + alpha/size · Σ_{c' = c-BEFORE .. c+AFTER} a_{c'}²,   b_c = a_c · s_c^-beta,
//   ∂L/∂a_j = g_j · s_j^-beta − (2·alpha·beta/size) · a_j · Σ_{c = j-AFTER .. j+BEFORE} t_c,
//   t_c = g_c · a_c · s_c^(-beta-1),
// with BEFORE = ⌊size/2⌋, AFTER = ⌊(size-1)/2⌋ and channels outside [0, C) counting as zero (j is in
// the window of c for c = j-AFTER .. j+BEFORE), their uniforms and bindings, and the reads of one
// pixel's channels: each invocation walks the channels of one pixel (n, p).
struct Params {
  pixels: u32, c: u32, hw: u32, _p0: u32,
  alphaOverSize: f32, beta: f32, k: f32, coef: f32,
  // BEFORE and AFTER, for lrn_wide.wgsl (lrn.wgsl has them as override constants).
  before: i32, after: i32, _p1: u32, _p2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> tc: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;

// Where this invocation's pixel starts (its channel 0), or 0xffffffff past the last pixel.
fn pixelBase(inv: GridInvocation) -> u32 {
  let t = gridIndex(inv, WG);
  if (t >= p.pixels) { return 0xffffffffu; }
  return (t / p.hw) * p.c * p.hw + t % p.hw;
}

// a at channel ch of the pixel at base, or 0 outside [0, C).
fn channel(base: u32, ch: i32) -> f32 {
  if (ch < 0 || ch >= i32(p.c)) { return 0.0; }
  return a[base + u32(ch) * p.hw];
}

// t at channel ch of the pixel at base, or 0 outside [0, C).
fn tAt(base: u32, ch: i32) -> f32 {
  if (ch < 0 || ch >= i32(p.c)) { return 0.0; }
  return tc[base + u32(ch) * p.hw];
}

// Local response normalisation across channels, as torch.nn.functional.local_response_norm:
//   s_c = k + alpha/size · Σ_{c' = c-⌊size/2⌋ .. c+⌊(size-1)/2⌋} a_{c'}²,   b_c = a_c · s_c^-beta
// (channels outside [0, C) count as zero). Backward, with t_c = g_c · a_c · s_c^(-beta-1):
//   ∂L/∂a_j = g_j · s_j^-beta − (2·alpha·beta/size) · a_j · Σ_{c : j in window(c)} t_c
// where j is in window(c) for c = j-⌊(size-1)/2⌋ .. j+⌊size/2⌋.
//
// Each invocation walks the channels of one pixel (n, p). The window slides through a private
// array of SIZE values (SIZE and BEFORE = ⌊size/2⌋ are override constants, so the loops over it
// unroll and it lives in registers): every element is loaded once per walk, and the window sums
// are recomputed exactly from the registers at each step (no running-sum drift).
override SIZE: u32 = 5u;
override BEFORE: u32 = 2u;
const MAX_SIZE: u32 = 16u;

struct Params {
  pixels: u32, c: u32, hw: u32, _p0: u32,
  alphaOverSize: f32, beta: f32, k: f32, coef: f32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn pixelBase(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  let t = invocationIndex(wid, nwg, lid, WG);
  if (t >= p.pixels) { return 0xffffffffu; }
  return (t / p.hw) * p.c * p.hw + t % p.hw;
}

// a at channel ch of the pixel at base, or 0 outside [0, C).
fn channel(base: u32, ch: i32) -> f32 {
  if (ch < 0 || ch >= i32(p.c)) { return 0.0; }
  return a[base + u32(ch) * p.hw];
}

fn sumSquares(win: ptr<function, array<f32, MAX_SIZE>>) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < SIZE; i++) { s += (*win)[i] * (*win)[i]; }
  return s;
}

// win[i] = value of channel c - BEFORE + i  →  the same for c + 1, with `next` entering.
fn slide(win: ptr<function, array<f32, MAX_SIZE>>, next: f32) {
  for (var i = 0u; i + 1u < SIZE; i++) { (*win)[i] = (*win)[i + 1u]; }
  (*win)[SIZE - 1u] = next;
}

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let base = pixelBase(wid, lid, nwg);
  if (base == 0xffffffffu) { return; }
  var win: array<f32, MAX_SIZE>;
  for (var i = 0u; i < SIZE; i++) { win[i] = channel(base, i32(i) - i32(BEFORE)); }
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    let s = p.k + p.alphaOverSize * sumSquares(&win);
    out[at] = win[BEFORE] * pow(s, -p.beta);
    slide(&win, channel(base, i32(c + SIZE) - i32(BEFORE)));
    at += p.hw;
  }
}

@group(0) @binding(2) var<storage, read> g: array<f32>;
@group(0) @binding(3) var<storage, read_write> tc: array<f32>;
@group(0) @binding(4) var<storage, read_write> gx: array<f32>;

// t at channel ch of the pixel at base, or 0 outside [0, C).
fn tAt(base: u32, ch: i32) -> f32 {
  if (ch < 0 || ch >= i32(p.c)) { return 0.0; }
  return tc[base + u32(ch) * p.hw];
}

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let base = pixelBase(wid, lid, nwg);
  if (base == 0xffffffffu) { return; }
  // First walk: t_c = g_c · a_c · s_c^(-beta-1).
  var win: array<f32, MAX_SIZE>;
  for (var i = 0u; i < SIZE; i++) { win[i] = channel(base, i32(i) - i32(BEFORE)); }
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    let s = p.k + p.alphaOverSize * sumSquares(&win);
    tc[at] = g[at] * win[BEFORE] * pow(s, -p.beta - 1.0);
    slide(&win, channel(base, i32(c + SIZE) - i32(BEFORE)));
    at += p.hw;
  }
  // Second walk: the window of a again, and the window of t over the channels whose window
  // holds j, [j - AFTER, j + BEFORE] (the a-window mirrored), kept in tw.
  let after = SIZE - 1u - BEFORE;
  var tw: array<f32, MAX_SIZE>;
  for (var i = 0u; i < SIZE; i++) {
    win[i] = channel(base, i32(i) - i32(BEFORE));
    tw[i] = tAt(base, i32(i) - i32(after));
  }
  at = base;
  for (var j = 0u; j < p.c; j++) {
    let s = p.k + p.alphaOverSize * sumSquares(&win);
    var ts = 0.0;
    for (var i = 0u; i < SIZE; i++) { ts += tw[i]; }
    let aj = win[BEFORE];
    gx[at] = g[at] * pow(s, -p.beta) - p.coef * aj * ts;
    slide(&win, channel(base, i32(j + SIZE) - i32(BEFORE)));
    slide(&tw, tAt(base, i32(j + SIZE) - i32(after)));
    at += p.hw;
  }
}

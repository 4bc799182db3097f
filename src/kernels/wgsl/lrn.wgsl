// Local response normalisation with the window in registers (formulas, uniforms and bindings:
// lrn_common.wgsl). The window slides through a private array of SIZE values (SIZE and BEFORE are
// override constants, so the loops over it unroll and it lives in registers): every element is
// loaded once per walk, and the window sums are recomputed exactly from the registers at each step
// (no running-sum drift).
override SIZE: u32 = 5u;
override BEFORE: u32 = 2u;
const MAX_SIZE: u32 = 16u;
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

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

// requires: grid lrn_common
// Local response normalisation for windows of any size (formulas, uniforms and bindings:
// lrn_common.wgsl). lrn.wgsl keeps the window in registers, which bounds its size. Here each
// invocation walks the channels of its pixel with a running sum: the channel entering the window is
// added and the one leaving it subtracted, so each output costs O(1) whatever the size (AlexNet
// variants use windows as wide as the 96 or 256 channels). The running sum is kept as a float32 sum
// plus its rounding error (Kahan–Babuška), so that hundreds of adds and subtracts do not drift.
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

// a² at channel ch of the pixel at base, or 0 outside [0, C).
fn square(base: u32, ch: i32) -> f32 {
  let v = channel(base, ch);
  return v * v;
}

// A float32 sum with its lost low-order part (Neumaier's variant of Kahan summation).
struct Running { sum: f32, err: f32 }

fn addTo(r: ptr<function, Running>, v: f32) {
  let t = (*r).sum + v;
  if (abs((*r).sum) >= abs(v)) { (*r).err += ((*r).sum - t) + v; } else { (*r).err += (v - t) + (*r).sum; }
  (*r).sum = t;
}

fn total(r: Running) -> f32 { return r.sum + r.err; }

// The sum of squares of the window of channel 0: channels 0 ..= AFTER.
fn firstWindow(base: u32) -> Running {
  var r = Running(0.0, 0.0);
  let last = min(p.after, i32(p.c) - 1);
  for (var ch = 0; ch <= last; ch++) { addTo(&r, square(base, ch)); }
  return r;
}

// s_c of channel c, whose window's sum of squares r holds; then r slides on to channel c + 1's
// window: c + 1 + AFTER enters, c - BEFORE leaves.
fn step(r: ptr<function, Running>, base: u32, c: i32) -> f32 {
  let s = p.k + p.alphaOverSize * max(total(*r), 0.0);
  addTo(r, square(base, c + 1 + p.after));
  addTo(r, -square(base, c - p.before));
  return s;
}

@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let base = pixelBase(inv);
  if (base == 0xffffffffu) { return; }
  var r = firstWindow(base);
  var at = base;
  for (var c = 0; c < i32(p.c); c++) {
    out[at] = a[at] * pow(step(&r, base, c), -p.beta);
    at += p.hw;
  }
}

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let base = pixelBase(inv);
  if (base == 0xffffffffu) { return; }
  // First walk: t_c, and s_c^-beta kept in gx until the second walk needs it.
  var r = firstWindow(base);
  var at = base;
  for (var c = 0; c < i32(p.c); c++) {
    let s = step(&r, base, c);
    let sb = pow(s, -p.beta);
    tc[at] = g[at] * a[at] * sb / s;
    gx[at] = sb;
    at += p.hw;
  }
  // Second walk: the running sum of t over the channels whose window holds j, [j - AFTER, j + BEFORE].
  var t = Running(0.0, 0.0);
  let last = min(p.before, i32(p.c) - 1);
  for (var ch = 0; ch <= last; ch++) { addTo(&t, tAt(base, ch)); }
  at = base;
  for (var j = 0; j < i32(p.c); j++) {
    gx[at] = g[at] * gx[at] - p.coef * a[at] * total(t);
    addTo(&t, tAt(base, j + 1 + p.before));
    addTo(&t, -tAt(base, j - p.after));
    at += p.hw;
  }
}

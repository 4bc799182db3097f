// requires: grid lrn_common
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

// win[i] = a at channel c - BEFORE + i, for the channel c being walked.
alias Window = array<f32, MAX_SIZE>;

fn sumSquares(win: ptr<function, Window>) -> f32 {
  var s = 0.0;
  for (var i = 0u; i < SIZE; i++) { s += (*win)[i] * (*win)[i]; }
  return s;
}

// The window to channel c + 1's, with `next` entering.
fn slide(win: ptr<function, Window>, next: f32) {
  for (var i = 0u; i + 1u < SIZE; i++) { (*win)[i] = (*win)[i + 1u]; }
  (*win)[SIZE - 1u] = next;
}

// Channel 0's window.
fn firstWindow(base: u32) -> Window {
  var win: Window;
  for (var i = 0u; i < SIZE; i++) { win[i] = channel(base, i32(i) - i32(BEFORE)); }
  return win;
}

// a_c and s_c of channel c, whose window win holds; then win slides on to channel c + 1.
struct Step { a: f32, s: f32 }
fn step(win: ptr<function, Window>, base: u32, c: u32) -> Step {
  let st = Step((*win)[BEFORE], p.k + p.alphaOverSize * sumSquares(win));
  slide(win, channel(base, i32(c + SIZE) - i32(BEFORE)));
  return st;
}

@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let base = pixelBase(inv);
  if (base == 0xffffffffu) { return; }
  var win = firstWindow(base);
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    let st = step(&win, base, c);
    out[at] = st.a * pow(st.s, -p.beta);
    at += p.hw;
  }
}

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let base = pixelBase(inv);
  if (base == 0xffffffffu) { return; }
  // First walk: t_c = g_c · a_c · s_c^(-beta-1).
  var win = firstWindow(base);
  var at = base;
  for (var c = 0u; c < p.c; c++) {
    let st = step(&win, base, c);
    tc[at] = g[at] * st.a * pow(st.s, -p.beta - 1.0);
    at += p.hw;
  }
  // Second walk: the window of a again, and the window of t over the channels whose window
  // holds j, [j - AFTER, j + BEFORE] (the a-window mirrored), kept in tw.
  let after = SIZE - 1u - BEFORE;
  // Both filled in place (assigning firstWindow's result would copy all MAX_SIZE values).
  var tw: Window;
  for (var i = 0u; i < SIZE; i++) {
    win[i] = channel(base, i32(i) - i32(BEFORE));
    tw[i] = tAt(base, i32(i) - i32(after));
  }
  at = base;
  for (var j = 0u; j < p.c; j++) {
    let st = step(&win, base, j);
    var ts = 0.0;
    for (var i = 0u; i < SIZE; i++) { ts += tw[i]; }
    gx[at] = g[at] * pow(st.s, -p.beta) - p.coef * st.a * ts;
    slide(&tw, tAt(base, i32(j + SIZE) - i32(after)));
    at += p.hw;
  }
}

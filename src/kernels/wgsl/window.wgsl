// What the windowed kernels' backward gathers (conv.wgsl's col2im, maxpool.wgsl's backward) share:
// which output windows cover an input position, along one axis.

// Windows o whose span covers input position y: o·s - pad <= y < o·s - pad + k; [first, last],
// among the n windows.
fn windowRange(y: u32, pad: u32, k: u32, s: u32, n: u32) -> vec2<i32> {
  let hi = i32(y + pad);
  let lo = hi - i32(k) + 1;
  let first = select(0, (lo + i32(s) - 1) / i32(s), lo > 0);
  let last = min(i32(n) - 1, hi / i32(s));
  return vec2<i32>(first, last);
}

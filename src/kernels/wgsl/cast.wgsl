// requires: grid elementwise_params
// Dtype casts, element-wise: int32 → float32 (to nearest, as PyTorch's .float()) and float32 → int32
// (toward zero, as PyTorch's .int()). PyTorch leaves NaN and values beyond int32 undefined; here NaN
// gives 0 and values beyond the range saturate at its ends.
@group(0) @binding(1) var<storage, read> ints: array<i32>;
@group(0) @binding(2) var<storage, read_write> floatsOut: array<f32>;

@compute @workgroup_size(WG)
fn toFloat(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  floatsOut[i] = f32(ints[i]);
}

@group(0) @binding(1) var<storage, read> floats: array<f32>;
@group(0) @binding(2) var<storage, read_write> intsOut: array<i32>;

@compute @workgroup_size(WG)
fn toInt(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  let v = floats[i];
  // By bits: a compiler that assumes no NaN folds `v != v` to false.
  let nan = (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
  var r = 0;
  if (nan) { r = 0; }
  else if (v >= 2147483648.0) { r = 2147483647; }
  else if (v <= -2147483648.0) { r = -2147483647 - 1; }
  else { r = i32(trunc(v)); }
  intsOut[i] = r;
}

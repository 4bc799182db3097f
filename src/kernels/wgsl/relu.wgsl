// requires: grid elementwise_params
// ReLU's gradient in one pass: out[i] = g[i] where x[i] > 0, else 0 (instead of gt then mul).
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn reluBackward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  out[i] = select(0.0, g[i], x[i] > 0.0);
}

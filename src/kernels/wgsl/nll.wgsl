// requires: grid row_reduce labels
// Mean negative log-likelihood of log-probabilities x [N, C] at int32 labels [N]: −(1/N) Σ x[n, label_n]
// (NaN for a label outside [0, C)), and its gradient, −g/N at each row's label and 0 elsewhere.
// x and the reduction (row_reduce.wgsl), the uniforms, labels and label check (labels.wgsl) are shared.
// Invocations per workgroup of the backward: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(3) var<storage, read_write> loss: array<f32>;

// Row r's loss at its label, −x[r, label], for labels.wgsl's storeMeanRowLoss.
fn rowLoss(r: u32, label: u32) -> f32 {
  return -x[r * p.c + label];
}

@compute @workgroup_size(256)
fn forward(@builtin(local_invocation_index) lid: u32) {
  storeMeanRowLoss(lid);
}

@group(0) @binding(1) var<storage, read> gLoss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c) { return; }
  let hot = labels[i / p.c] == i32(i % p.c);
  dx[i] = select(0.0, -gLoss[0] * p.invN, hot);
}

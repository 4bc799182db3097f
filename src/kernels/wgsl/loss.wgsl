// requires: grid row_reduce labels
// Cross-entropy of logits x [N, C] against int32 labels [N], and the count of correct argmaxes.
// rowLse: one workgroup per row finds max and Σ exp(x - max) with shared-memory reductions and
// keeps the log-softmax normaliser as the pair (max, log Σ), reused by backward: their sum would
// lose log Σ beside a large max (logits of 1e20), so each use subtracts the max first.
// mean: one workgroup sums (max_n - x[n, label_n]) + log Σ_n over rows (NaN for a label outside [0, C)).
// x and the reductions (row_reduce.wgsl), the uniforms, labels and label check (labels.wgsl) are shared.
// Invocations per workgroup of the backward: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(2) var<storage, read_write> lse: array<f32>;

const ROW_WG: u32 = 64u;

@compute @workgroup_size(64)
fn rowLse(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = workgroupIndex(wid, nwg);
  // Uniform control flow: the whole workgroup leaves together.
  if (row >= p.n) { return; }
  let ms = rowMaxSumExp(row * p.c, 1u, p.c, lid, ROW_WG);
  if (lid == 0u) {
    lse[2u * row] = ms.x;
    lse[2u * row + 1u] = log(ms.y);
  }
}

@group(0) @binding(3) var<storage, read> lseIn: array<f32>;
@group(0) @binding(5) var<storage, read_write> loss: array<f32>;

// Row r's loss at its label, (max_r − x[r, label]) + log Σ_r, for labels.wgsl's storeMeanRowLoss.
fn rowLoss(r: u32, label: u32) -> f32 {
  return (lseIn[2u * r] - x[r * p.c + label]) + lseIn[2u * r + 1u];
}

@compute @workgroup_size(256)
fn mean(@builtin(local_invocation_index) lid: u32) {
  storeMeanRowLoss(lid);
}

// dx[n, c] = g · (softmax(x)[n, c] − [c == label_n]) / N.
@group(0) @binding(4) var<storage, read> gLoss: array<f32>;
@group(0) @binding(5) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c) { return; }
  let row = i / p.c;
  let col = i % p.c;
  let hot = select(0.0, 1.0, labels[row] == i32(col));
  dx[i] = gLoss[0] * p.invN * (exp((x[i] - lseIn[2u * row]) - lseIn[2u * row + 1u]) - hot);
}

// Number of rows whose first maximum is at the label, as a float (so that counts add up on the GPU);
// a label out of range goes to status as for mean.
@group(0) @binding(3) var<storage, read_write> correct: array<f32>;

@compute @workgroup_size(256)
fn countCorrect(@builtin(local_invocation_index) lid: u32) {
  var count = 0.0;
  for (var r = lid; r < p.n; r += 256u) {
    let base = r * p.c;
    var best = x[base];
    var at = 0u;
    for (var j = 1u; j < p.c; j++) {
      let v = x[base + j];
      // argmax as torch.argmax: the first NaN is the maximum.
      if (!isNaN(best) && (isNaN(v) || v > best)) { best = v; at = j; }
    }
    let label = labels[r];
    if (labelInRange(r, label) && label == i32(at)) { count += 1.0; }
  }
  let total = workgroupReduce(lid, 256u, count, 0u);
  if (lid == 0u) {
    correct[0] = total;
  }
}

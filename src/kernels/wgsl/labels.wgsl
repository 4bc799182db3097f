// What the kernels that score rows of x [N, C] at int32 labels [N] (loss.wgsl, nll.wgsl) share:
// their uniforms, the labels at binding 2, the label check and the mean of a per-row loss.
// A label on the GPU cannot be checked before the kernels run: one outside [0, C) makes the mean
// NaN and is reported in `status`, which the runtime reads with the next readback and turns into
// an error.
struct Params { n: u32, c: u32, _p0: u32, _p1: u32, invN: f32, _p2: u32, _p3: u32, _p4: u32 }

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
// status[0]: set to 1 by the first row found with a bad label; [1] that row, [2] its label, [3] C.
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>, 4>;

// Whether row r's label is in [0, C); the first row found with one that is not goes to status.
fn labelInRange(r: u32, label: i32) -> bool {
  if (label >= 0 && u32(label) < p.c) { return true; }
  if (atomicExchange(&status[0], 1u) == 0u) {
    atomicStore(&status[1], r);
    atomicStore(&status[2], bitcast<u32>(label));
    atomicStore(&status[3], p.c);
  }
  return false;
}

// (1/N) Σ_r rowLoss(r, label_r) into loss[0], where rowLoss and the loss binding are the including
// kernel's, by one workgroup of 256 (row_reduce.wgsl's reduction); NaN where a label is out of range.
fn storeMeanRowLoss(lid: u32) {
  var s = 0.0;
  for (var r = lid; r < p.n; r += 256u) {
    let label = labels[r];
    if (labelInRange(r, label)) { s += rowLoss(r, u32(label)); } else { s += quietNaN(); }
  }
  let m = workgroupReduce(lid, 256u, s, 0u) * p.invN;
  if (lid == 0u) { loss[0] = m; }
}

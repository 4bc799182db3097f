// requires: attention_common
// Attention forward, online softmax (flash attention): each invocation owns query row i, keeps its
// running maximum m, sum l and output accumulator in registers, and sees the keys and values BC at a
// time from workgroup memory; out = acc / l and lse = m + log l (for backward), so memory grows with
// L, not L·S. With dropout, l sums the weights before it (they are normalised first, as in
// PyTorch). Needs attention_common.wgsl.

// Rows (one per invocation) per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = rowBlock(wid, nwg, p.L);
  // Uniform control flow: the whole workgroup leaves together.
  if (block.bh >= p.bhCount) { return; }
  let row = ownRow(block, lid, p.L);
  var qr: array<vec4<f32>, MAX_HEAD4>;
  var acc: array<vec4<f32>, MAX_HEAD4>;
  for (var c = 0u; c < rowVecs(); c++) {
    qr[c] = qVec(row.flat * p.E, c, p.E) * p.scale;
    acc[c] = vec4<f32>(0.0);
  }
  var m = NO_MAX;
  var l = 0.0;
  let end = keyEnd(block.first);
  for (var t0 = 0u; t0 < end; t0 += BC) {
    let n = stageKeyTile(block.bh, t0, end, lid);
    if (row.live) {
      for (var j = 0u; j < n; j++) {
        if (!visible(row.i, t0 + j)) { continue; }
        var s = 0.0;
        for (var c = 0u; c < rowVecs(); c++) { s += dot(qr[c], kTile[j * HEAD4 + c]); }
        s += maskAt(block.bh, row.i, t0 + j);
        // One key at a time: rescale what came before when the maximum grows.
        let mNew = max(m, s);
        let alpha = exp(m - mNew);
        let pj = exp(s - mNew);
        l = l * alpha + pj;
        let kept = pj * dropFactor(block.bh, row.i, t0 + j);
        for (var c = 0u; c < rowVecs(); c++) { acc[c] = acc[c] * alpha + kept * vTile[j * HEAD4 + c]; }
        m = mNew;
      }
    }
  }
  if (row.live) {
    let o = row.flat * p.Ev;
    let invL = 1.0 / l;
    for (var c = 0u; c < rowVecs(); c++) {
      for (var t = 0u; t < 4u; t++) {
        if (4u * c + t < p.Ev) { out[o + 4u * c + t] = select(nan(), acc[c][t] * invL, l > 0.0); }
      }
    }
    lse[row.flat] = select(nan(), m + log(l), l > 0.0);
  }
}

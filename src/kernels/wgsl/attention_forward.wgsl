// Attention forward, online softmax (flash attention): each invocation owns query row i, keeps its
// running maximum m, sum l and output accumulator in registers, and sees the keys and values BC at a
// time from workgroup memory; out = acc / l and lse = m + log l (for backward), so memory grows with
// L, not L·S. Needs attention_common.wgsl.
// Rows (one per invocation) per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(5) var<storage, read_write> out: array<f32>;
@group(0) @binding(6) var<storage, read_write> lse: array<f32>;

var<workgroup> kTile: array<f32, BC * HEAD>;
var<workgroup> vTile: array<f32, BC * HEAD>;

@compute @workgroup_size(WG)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
           @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks = (p.L + WG - 1u) / WG;
  let w = workgroupIndex(wid, nwg);
  // Uniform control flow: the whole workgroup leaves together.
  if (w >= blocks * p.bhCount) { return; }
  let bh = w / blocks;
  let row0 = (w % blocks) * WG;
  let i = row0 + lid;
  let live = i < p.L;
  var qr: array<f32, MAX_HEAD>;
  var acc: array<f32, MAX_HEAD>;
  var sc: array<f32, MAX_BC>;
  let qAt = (bh * p.L + min(i, p.L - 1u)) * p.E;
  for (var d = 0u; d < p.E; d++) { qr[d] = q[qAt + d] * p.scale; }
  for (var d = 0u; d < p.Ev; d++) { acc[d] = 0.0; }
  var m = NO_MAX;
  var l = 0.0;
  let end = keyEnd(row0);
  for (var t0 = 0u; t0 < end; t0 += BC) {
    let n = min(BC, end - t0);
    workgroupBarrier();
    for (var x = lid; x < n * p.E; x += WG) { kTile[x] = k[(bh * p.S + t0) * p.E + x]; }
    for (var x = lid; x < n * p.Ev; x += WG) { vTile[x] = v[(bh * p.S + t0) * p.Ev + x]; }
    workgroupBarrier();
    if (live) {
      var mt = m;
      for (var j = 0u; j < n; j++) {
        var s = 0.0;
        for (var d = 0u; d < p.E; d++) { s += qr[d] * kTile[j * p.E + d]; }
        s += maskAt(bh, i, t0 + j);
        sc[j] = s;
        if (visible(i, t0 + j)) { mt = max(mt, s); }
      }
      let alpha = exp(m - mt);
      l *= alpha;
      for (var d = 0u; d < p.Ev; d++) { acc[d] *= alpha; }
      for (var j = 0u; j < n; j++) {
        if (visible(i, t0 + j)) {
          let pj = exp(sc[j] - mt);
          l += pj;
          for (var d = 0u; d < p.Ev; d++) { acc[d] += pj * vTile[j * p.Ev + d]; }
        }
      }
      m = mt;
    }
  }
  if (live) {
    let o = (bh * p.L + i) * p.Ev;
    if (l > 0.0) {
      let inv = 1.0 / l;
      for (var d = 0u; d < p.Ev; d++) { out[o + d] = acc[d] * inv; }
      lse[bh * p.L + i] = m + log(l);
    } else {
      for (var d = 0u; d < p.Ev; d++) { out[o + d] = nan(); }
      lse[bh * p.L + i] = nan();
    }
  }
}

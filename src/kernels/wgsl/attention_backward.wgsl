// Attention backward (FlashAttention-2's scheme), from the forward's lse and the row sums
// D = rowsum(dO ∘ O) that `delta` writes beside it (stats: [bh, L, 2] pairs (lse, D)): with
// P = exp(S − lse), dV = Pᵀ dO, dP = dO Vᵀ, dS = P ∘ (dP − D), dQ = dS K · scale, dK = dSᵀ Q · scale.
// `dq` owns a query row and walks the keys; `dkdv` owns a key row and walks the queries; neither
// stores P. Needs attention_common.wgsl.

// Rows (one per invocation) per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

// delta: bindings 1..4 are o, dO, lse and the stats it writes (its own, not q, k, v, mask).
@group(0) @binding(1) var<storage, read> oRows: array<f32>;
@group(0) @binding(2) var<storage, read> dORows: array<f32>;
@group(0) @binding(3) var<storage, read> lseRows: array<f32>;
@group(0) @binding(4) var<storage, read_write> statsOut: array<f32>;

@compute @workgroup_size(WG)
fn delta(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
         @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = invocationIndex(wid, nwg, lid, WG);
  if (r >= p.bhCount * p.L) { return; }
  var s = 0.0;
  for (var d = 0u; d < p.Ev; d++) { s += oRows[r * p.Ev + d] * dORows[r * p.Ev + d]; }
  statsOut[2u * r] = lseRows[r];
  statsOut[2u * r + 1u] = s;
}

@group(0) @binding(5) var<storage, read> dO: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dQ: array<f32>;

var<workgroup> kTile: array<f32, BC * HEAD>;
var<workgroup> vTile: array<f32, BC * HEAD>;

@compute @workgroup_size(WG)
fn dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
      @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks = (p.L + WG - 1u) / WG;
  let w = workgroupIndex(wid, nwg);
  if (w >= blocks * p.bhCount) { return; }
  let bh = w / blocks;
  let row0 = (w % blocks) * WG;
  let i = row0 + lid;
  let live = i < p.L;
  let r = bh * p.L + min(i, p.L - 1u);
  var qr: array<f32, MAX_HEAD>;
  var dor: array<f32, MAX_HEAD>;
  var acc: array<f32, MAX_HEAD>;
  for (var d = 0u; d < p.E; d++) { qr[d] = q[r * p.E + d] * p.scale; acc[d] = 0.0; }
  for (var d = 0u; d < p.Ev; d++) { dor[d] = dO[r * p.Ev + d]; }
  let lseI = stats[2u * r];
  let dI = stats[2u * r + 1u];
  let end = keyEnd(row0);
  for (var t0 = 0u; t0 < end; t0 += BC) {
    let n = min(BC, end - t0);
    workgroupBarrier();
    for (var x = lid; x < n * p.E; x += WG) { kTile[x] = k[(bh * p.S + t0) * p.E + x]; }
    for (var x = lid; x < n * p.Ev; x += WG) { vTile[x] = v[(bh * p.S + t0) * p.Ev + x]; }
    workgroupBarrier();
    if (live) {
      for (var j = 0u; j < n; j++) {
        if (!visible(i, t0 + j)) { continue; }
        var s = 0.0;
        for (var d = 0u; d < p.E; d++) { s += qr[d] * kTile[j * p.E + d]; }
        let pj = exp(s + maskAt(bh, i, t0 + j) - lseI);
        var dp = 0.0;
        for (var d = 0u; d < p.Ev; d++) { dp += dor[d] * vTile[j * p.Ev + d]; }
        let ds = pj * (dp - dI);
        for (var d = 0u; d < p.E; d++) { acc[d] += ds * kTile[j * p.E + d]; }
      }
    }
  }
  if (live) {
    for (var d = 0u; d < p.E; d++) { dQ[r * p.E + d] = acc[d] * p.scale; }
  }
}

@group(0) @binding(7) var<storage, read_write> dK: array<f32>;
@group(0) @binding(8) var<storage, read_write> dV: array<f32>;

var<workgroup> qTile: array<f32, BC * HEAD>;
var<workgroup> doTile: array<f32, BC * HEAD>;
var<workgroup> statTile: array<f32, 2u * MAX_BC>;

@compute @workgroup_size(WG)
fn dkdv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let blocks = (p.S + WG - 1u) / WG;
  let w = workgroupIndex(wid, nwg);
  if (w >= blocks * p.bhCount) { return; }
  let bh = w / blocks;
  let col0 = (w % blocks) * WG;
  let j = col0 + lid;
  let live = j < p.S;
  let c = bh * p.S + min(j, p.S - 1u);
  var kr: array<f32, MAX_HEAD>;
  var vr: array<f32, MAX_HEAD>;
  var dk: array<f32, MAX_HEAD>;
  var dv: array<f32, MAX_HEAD>;
  for (var d = 0u; d < p.E; d++) { kr[d] = k[c * p.E + d] * p.scale; dk[d] = 0.0; }
  for (var d = 0u; d < p.Ev; d++) { vr[d] = v[c * p.Ev + d]; dv[d] = 0.0; }
  // Causal: no query before the workgroup's first key sees any of its keys.
  let start = select(0u, min(col0, p.L), p.causal != 0u);
  for (var t0 = start; t0 < p.L; t0 += BC) {
    let n = min(BC, p.L - t0);
    workgroupBarrier();
    for (var x = lid; x < n * p.E; x += WG) { qTile[x] = q[(bh * p.L + t0) * p.E + x]; }
    for (var x = lid; x < n * p.Ev; x += WG) { doTile[x] = dO[(bh * p.L + t0) * p.Ev + x]; }
    for (var x = lid; x < 2u * n; x += WG) { statTile[x] = stats[2u * (bh * p.L + t0) + x]; }
    workgroupBarrier();
    if (live) {
      for (var ii = 0u; ii < n; ii++) {
        let i = t0 + ii;
        if (!visible(i, j)) { continue; }
        var s = 0.0;
        for (var d = 0u; d < p.E; d++) { s += kr[d] * qTile[ii * p.E + d]; }
        let pj = exp(s + maskAt(bh, i, j) - statTile[2u * ii]);
        var dp = 0.0;
        for (var d = 0u; d < p.Ev; d++) {
          let g = doTile[ii * p.Ev + d];
          dv[d] += pj * g;
          dp += g * vr[d];
        }
        let ds = pj * (dp - statTile[2u * ii + 1u]);
        for (var d = 0u; d < p.E; d++) { dk[d] += ds * qTile[ii * p.E + d]; }
      }
    }
  }
  if (live) {
    for (var d = 0u; d < p.E; d++) { dK[c * p.E + d] = dk[d] * p.scale; }
    for (var d = 0u; d < p.Ev; d++) { dV[c * p.Ev + d] = dv[d]; }
  }
}

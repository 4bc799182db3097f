// requires: attention_common
// Attention backward (FlashAttention-2's scheme), from the forward's lse and the row sums
// D = rowsum(dO ∘ O) that `delta` writes beside it (stats: [bh, L, 2] pairs (lse, D)): with
// P = exp(S − lse) and Z its dropout factors, dV = (P∘Z)ᵀ dO, dP = Z ∘ (dO Vᵀ), dS = P ∘ (dP − D), dQ = dS K · scale, dK = dSᵀ Q · scale.
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
fn delta(inv: GridInvocation) {
  let r = gridIndex(inv, WG);
  if (r >= p.bhCount * p.L) { return; }
  var s = 0.0;
  for (var d = 0u; d < p.Ev; d++) { s += oRows[r * p.Ev + d] * dORows[r * p.Ev + d]; }
  statsOut[2u * r] = lseRows[r];
  statsOut[2u * r + 1u] = s;
}

@group(0) @binding(5) var<storage, read> dO: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read_write> dQ: array<f32>;

fn dOVec(at: u32, c: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) { if (4u * c + t < p.Ev) { r[t] = dO[at + 4u * c + t]; } }
  return r;
}

@compute @workgroup_size(WG)
fn dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
      @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = rowBlock(wid, nwg, p.L);
  if (block.bh >= p.bhCount) { return; }
  let row = ownRow(block, lid, p.L);
  var qr: array<vec4<f32>, MAX_HEAD4>;
  var dor: array<vec4<f32>, MAX_HEAD4>;
  var acc: array<vec4<f32>, MAX_HEAD4>;
  for (var c = 0u; c < rowVecs(); c++) {
    qr[c] = qVec(row.flat * p.E, c, p.E) * p.scale;
    dor[c] = dOVec(row.flat * p.Ev, c);
    acc[c] = vec4<f32>(0.0);
  }
  let lseI = stats[2u * row.flat];
  let dI = stats[2u * row.flat + 1u];
  let end = keyEnd(block.first);
  for (var t0 = 0u; t0 < end; t0 += BC) {
    let n = stageKeyTile(block.bh, t0, end, lid);
    if (row.live) {
      for (var j = 0u; j < n; j++) {
        if (!visible(row.i, t0 + j)) { continue; }
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < rowVecs(); c++) {
          s += dot(qr[c], kTile[j * HEAD4 + c]);
          dp += dot(dor[c], vTile[j * HEAD4 + c]);
        }
        let pj = exp(s + maskAt(block.bh, row.i, t0 + j) - lseI);
        let ds = pj * (dp * dropFactor(block.bh, row.i, t0 + j) - dI);
        for (var c = 0u; c < rowVecs(); c++) { acc[c] += ds * kTile[j * HEAD4 + c]; }
      }
    }
  }
  if (row.live) {
    for (var c = 0u; c < rowVecs(); c++) {
      for (var t = 0u; t < 4u; t++) {
        if (4u * c + t < p.E) { dQ[row.flat * p.E + 4u * c + t] = acc[c][t] * p.scale; }
      }
    }
  }
}

@group(0) @binding(7) var<storage, read_write> dK: array<f32>;
@group(0) @binding(8) var<storage, read_write> dV: array<f32>;

var<workgroup> qTile: array<vec4<f32>, BC * HEAD4>;
var<workgroup> doTile: array<vec4<f32>, BC * HEAD4>;
var<workgroup> statTile: array<f32, 2u * MAX_BC>;

@compute @workgroup_size(WG)
fn dkdv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let block = rowBlock(wid, nwg, p.S);
  if (block.bh >= p.bhCount) { return; }
  let col = ownRow(block, lid, p.S);
  var kr: array<vec4<f32>, MAX_HEAD4>;
  var vr: array<vec4<f32>, MAX_HEAD4>;
  var dk: array<vec4<f32>, MAX_HEAD4>;
  var dv: array<vec4<f32>, MAX_HEAD4>;
  for (var c = 0u; c < rowVecs(); c++) {
    kr[c] = kVec(col.flat * p.E, c, p.E) * p.scale;
    vr[c] = vVec(col.flat * p.Ev, c, p.Ev);
    dk[c] = vec4<f32>(0.0);
    dv[c] = vec4<f32>(0.0);
  }
  // Causal: no query before the workgroup's first key sees any of its keys.
  let start = select(0u, min(block.first, p.L), p.causal != 0u);
  for (var t0 = start; t0 < p.L; t0 += BC) {
    let n = min(BC, p.L - t0);
    workgroupBarrier();
    for (var x = lid; x < n * HEAD4; x += WG) {
      let row = block.bh * p.L + t0 + x / HEAD4;
      qTile[x] = qVec(row * p.E, x % HEAD4, p.E);
      doTile[x] = dOVec(row * p.Ev, x % HEAD4);
    }
    for (var x = lid; x < 2u * n; x += WG) { statTile[x] = stats[2u * (block.bh * p.L + t0) + x]; }
    workgroupBarrier();
    if (col.live) {
      for (var ii = 0u; ii < n; ii++) {
        let i = t0 + ii;
        if (!visible(i, col.i)) { continue; }
        var s = 0.0;
        var dp = 0.0;
        for (var c = 0u; c < rowVecs(); c++) {
          s += dot(kr[c], qTile[ii * HEAD4 + c]);
          dp += dot(vr[c], doTile[ii * HEAD4 + c]);
        }
        let pj = exp(s + maskAt(block.bh, i, col.i) - statTile[2u * ii]);
        let drop = dropFactor(block.bh, i, col.i);
        let ds = pj * (dp * drop - statTile[2u * ii + 1u]);
        let kept = pj * drop;
        for (var c = 0u; c < rowVecs(); c++) {
          dv[c] += kept * doTile[ii * HEAD4 + c];
          dk[c] += ds * qTile[ii * HEAD4 + c];
        }
      }
    }
  }
  if (col.live) {
    for (var c = 0u; c < rowVecs(); c++) {
      for (var t = 0u; t < 4u; t++) {
        if (4u * c + t < p.E) { dK[col.flat * p.E + 4u * c + t] = dk[c][t] * p.scale; }
        if (4u * c + t < p.Ev) { dV[col.flat * p.Ev + 4u * c + t] = dv[c][t]; }
      }
    }
  }
}

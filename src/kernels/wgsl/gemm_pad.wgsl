// requires: grid
// Copies rows of C floats into rows of CP floats (CP: C rounded up to 4), zero-filled, so that the
// GEMM can read the rows as vec4s. One invocation writes one vec4 of the output. A panel of rows
// binds both sides from the aligned offsets before it: its rows start at src[base] and dst[dstBase].
struct Params { rows: u32, C: u32, CP4: u32, base: u32, dstBase: u32, _p0: u32, _p1: u32, _p2: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocationIndex(wid, nwg, lid, WG);
  if (i >= p.rows * p.CP4) { return; }
  let r = i / p.CP4;
  let c = (i % p.CP4) * 4u;
  var v = vec4<f32>(0.0);
  for (var e = 0u; e < 4u; e++) {
    if (c + e < p.C) { v[e] = src[p.base + r * p.C + c + e]; }
  }
  dst[p.dstBase + i] = v;
}

// requires: grid
// The end of a split-K GEMM: out[i] = Σ_s part[s·n + i] (+ bias) (relu), for outputs [M, N].
struct Params { n: u32, splits: u32, N: u32, M: u32, biasMode: u32, relu: u32, _p0: u32, _p1: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

// The bias modes, as BIAS_MODES in kernels/gemm/gemm-params.ts (checked when the pipeline is created).
const BIAS_NONE: u32 = 0u;
const BIAS_PER_COLUMN: u32 = 1u;
const BIAS_PER_ROW: u32 = 2u;
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
        @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocationIndex(wid, nwg, lid, WG);
  if (i >= p.n) { return; }
  var v = 0.0;
  for (var s = 0u; s < p.splits; s++) { v += part[s * p.n + i]; }
  if (p.biasMode == BIAS_PER_COLUMN) { v += bias[i % p.N]; }
  if (p.biasMode == BIAS_PER_ROW) { v += bias[(i / p.N) % p.M]; }
  if (p.relu != 0u) { v = reluKeepingNaN(v); }
  out[i] = v;
}

// max(v, 0) that keeps NaN, as PyTorch's relu (WGSL's max may return either operand for a NaN); the
// NaN test compares bits, which no compiler folds away as it may `v != v`.
fn reluKeepingNaN(v: f32) -> f32 {
  return select(max(v, 0.0), v, (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u);
}

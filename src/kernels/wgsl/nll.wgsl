// Mean negative log-likelihood of log-probabilities x [N, C] at int32 labels [N]: −(1/N) Σ x[n, label_n]
// (NaN for a label outside [0, C), since a label on the GPU cannot be checked before the kernel runs;
// such a label is also reported in `status`, which the next readback throws),
// and its gradient, −g/N at each row's label and 0 elsewhere.
struct Params { n: u32, c: u32, _p0: u32, _p1: u32, invN: f32, _p2: u32, _p3: u32, _p4: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> labels: array<i32>;

var<workgroup> scratch: array<f32, 256>;

@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read_write> loss: array<f32>;
// status[0]: set to 1 by the first row found with a bad label; [1] that row, [2] its label, [3] C.
@group(0) @binding(4) var<storage, read_write> status: array<atomic<u32>, 4>;

@compute @workgroup_size(256)
fn forward(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var r = lid; r < p.n; r += 256u) {
    let label = labels[r];
    if (label < 0 || u32(label) >= p.c) {
      s += quietNaN();
      if (atomicExchange(&status[0], 1u) == 0u) {
        atomicStore(&status[1], r);
        atomicStore(&status[2], bitcast<u32>(label));
        atomicStore(&status[3], p.c);
      }
    } else {
      s -= x[r * p.c + u32(label)];
    }
  }
  scratch[lid] = s;
  for (var w = 128u; w > 0u; w /= 2u) {
    workgroupBarrier();
    if (lid < w) { scratch[lid] += scratch[lid + w]; }
  }
  if (lid == 0u) {
    loss[0] = scratch[0] * p.invN;
  }
}

@group(0) @binding(2) var<storage, read> gLoss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
            @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = invocationIndex(wid, nwg, lid, WG);
  if (i >= p.n * p.c) { return; }
  let hot = labels[i / p.c] == i32(i % p.c);
  dx[i] = select(0.0, -gLoss[0] * p.invN, hot);
}

// A NaN at run time (WGSL refuses NaN in constant expressions).
fn quietNaN() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

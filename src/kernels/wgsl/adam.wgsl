// requires: grid
// One Adam or AdamW step of one parameter, in place, with PyTorch's rule (torch.optim.Adam/AdamW,
// single-tensor path):
//   AdamW: p = p·(1 − lr·weightDecay)          (decoupled decay, before the update)
//   Adam:  g = g + weightDecay·p               (L2 decay folded into the gradient)
//   m = β1·m + (1 − β1)·g;  v = β2·v + (1 − β2)·g²
//   AMSGRAD: vMax = max(vMax, v), used for v below
//   p = p − stepSize · m / (sqrt(v) / sqrtBc2 + eps),  stepSize = lr / (1 − β1^t), sqrtBc2 = sqrt(1 − β2^t)
// The bias corrections, 1 − β and AdamW's 1 − lr·weightDecay are computed on the host in float64 and
// passed as uniforms, as PyTorch computes them in Python floats (1 − β2 in float32 arithmetic would be
// off by 1e-5 relative for β2 = 0.999). The state
// buffers are uninitialised before the first step (first = 1): they are not read then (zeros, as
// PyTorch starts them). Each lane updates one vec4; lanes past n keep their old values.
// `step` and `stepAmsgrad` are two entry points (not one with an override) because a binding that an
// entry point names is part of its layout even where an override skips it.
override DECOUPLED: bool;
struct Params {
  n: u32, first: u32, _p0: u32, _p1: u32,
  beta1: f32, beta2: f32, eps: f32, weightDecay: f32,
  stepSize: f32, sqrtBc2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32,
  decay: f32, _p2: f32, _p3: f32, _p4: f32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> grad: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> expAvg: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> expAvgSq: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> maxExpAvgSq: array<vec4<f32>>;

fn inRange(i: u32) -> vec4<bool> {
  let e = vec4<u32>(4u * i) + vec4<u32>(0u, 1u, 2u, 3u);
  return e < vec4<u32>(u.n);
}

// Updates the moments of lane i and returns the decayed parameter (before the Adam update).
fn moments(i: u32) -> vec4<f32> {
  var p = param[i];
  var g = grad[i];
  if (DECOUPLED) {
    p = p * u.decay;
  } else {
    g = g + u.weightDecay * p;
  }
  var m = u.oneMinusBeta1 * g;
  var v = u.oneMinusBeta2 * (g * g);
  if (u.first == 0u) {
    m = u.beta1 * expAvg[i] + m;
    v = u.beta2 * expAvgSq[i] + v;
  }
  let mask = inRange(i);
  expAvg[i] = select(vec4<f32>(0.0), m, mask);
  expAvgSq[i] = select(vec4<f32>(0.0), v, mask);
  return p;
}

fn update(i: u32, p: vec4<f32>, v: vec4<f32>) {
  let denom = sqrt(v) / u.sqrtBc2 + u.eps;
  param[i] = select(param[i], p - u.stepSize * (expAvg[i] / denom), inRange(i));
}

@compute @workgroup_size(WG)
fn step(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (4u * i >= u.n) { return; }
  let p = moments(i);
  update(i, p, expAvgSq[i]);
}

@compute @workgroup_size(WG)
fn stepAmsgrad(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (4u * i >= u.n) { return; }
  let p = moments(i);
  var vMax = expAvgSq[i];
  if (u.first == 0u) { vMax = max(maxExpAvgSq[i], vMax); }
  maxExpAvgSq[i] = select(vec4<f32>(0.0), vMax, inRange(i));
  update(i, p, vMax);
}

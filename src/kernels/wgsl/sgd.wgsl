// requires: grid
// One SGD step of one parameter, in place, with PyTorch's rule (torch.optim.SGD):
//   d = g + weightDecay·p
//   momentum: buf = d on the parameter's first step, else momentum·buf + (1 − dampening)·d;
//             d = nesterov ? d + momentum·buf : buf
//   p -= lr·d
// The hyperparameters are uniforms, so a schedule changing lr reuses the pipeline. Each lane
// updates one vec4: pooled buffers are whole multiples of 16 bytes, and the lanes of the last
// vec4 beyond n keep their old values.
struct Params {
  n: u32, first: u32, nesterov: u32, _p0: u32,
  lr: f32, momentum: f32, dampening: f32, weightDecay: f32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> u: Params;
@group(0) @binding(1) var<storage, read_write> param: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> grad: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> buf: array<vec4<f32>>;

fn inRange(i: u32) -> vec4<bool> {
  let e = vec4<u32>(4u * i) + vec4<u32>(0u, 1u, 2u, 3u);
  return e < vec4<u32>(u.n);
}

@compute @workgroup_size(WG)
fn plain(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (4u * i >= u.n) { return; }
  let p = param[i];
  let d = grad[i] + u.weightDecay * p;
  param[i] = select(p, p - u.lr * d, inRange(i));
}

@compute @workgroup_size(WG)
fn withMomentum(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (4u * i >= u.n) { return; }
  let mask = inRange(i);
  let p = param[i];
  var d = grad[i] + u.weightDecay * p;
  var b = d;
  // The buffer is uninitialised before the first step: it is not read then.
  if (u.first == 0u) {
    b = u.momentum * buf[i] + (1.0 - u.dampening) * d;
  }
  buf[i] = select(vec4<f32>(0.0), b, mask);
  if (u.nesterov != 0u) {
    d = d + u.momentum * b;
  } else {
    d = b;
  }
  param[i] = select(p, p - u.lr * d, mask);
}

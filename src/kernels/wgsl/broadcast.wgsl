// What the broadcasting element-wise kernels (binary.wgsl, where.wgsl) share: their uniforms and
// NumPy broadcasting, each operand read through strides that are 0 along its broadcast dimensions.
struct Params {
  n: u32, rank: u32, _p0: u32, _p1: u32,
  shape: array<vec4<u32>, 2>,
  aStrides: array<vec4<u32>, 2>,
  bStrides: array<vec4<u32>, 2>,
  // where.wgsl's condition; zero for binary.wgsl, which has none.
  cStrides: array<vec4<u32>, 2>,
}
@group(0) @binding(0) var<uniform> p: Params;

// Where output element i reads operands a, b and c: (ia, ib, ic). Each in its own scalar, so that
// the compiler drops the one a kernel does not use (binary.wgsl's c) once it has inlined this.
fn broadcastOffsets(i: u32) -> vec3<u32> {
  var rest = i;
  var ia = 0u;
  var ib = 0u;
  var ic = 0u;
  for (var d = i32(p.rank) - 1; d >= 0; d--) {
    let dim = p.shape[d / 4][d % 4];
    let coord = rest % dim;
    rest = rest / dim;
    ia += coord * p.aStrides[d / 4][d % 4];
    ib += coord * p.bStrides[d / 4][d % 4];
    ic += coord * p.cStrides[d / 4][d % 4];
  }
  return vec3<u32>(ia, ib, ic);
}

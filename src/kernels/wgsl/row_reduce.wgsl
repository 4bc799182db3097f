// What the row kernels (loss.wgsl, nll.wgsl, softmax.wgsl) share: their input x at binding 1, one
// workgroup's tree reduction in shared memory, a row's maximum and Σ exp(x − max), and the float
// values WGSL's constant expressions refuse.
@group(0) @binding(1) var<storage, read> x: array<f32>;

// As wide as the widest workgroup that reduces through it.
var<workgroup> scratch: array<f32, 256>;

// The sum (op 0) or maximum (op 1) of v over a workgroup of `width` invocations (a power of two),
// by a tree in shared memory, given to each of them. A second reduction must wait at a barrier
// until every invocation has read the first one's result.
fn workgroupReduce(lid: u32, width: u32, v: f32, op: u32) -> f32 {
  scratch[lid] = v;
  for (var s = width / 2u; s > 0u; s /= 2u) {
    workgroupBarrier();
    if (lid < s) {
      let a = scratch[lid];
      let b = scratch[lid + s];
      scratch[lid] = select(a + b, max(a, b), op == 1u);
    }
  }
  workgroupBarrier();
  return scratch[0];
}

// (max, Σ exp(x − max)) of the `count` elements x[base + j·stride], by a workgroup of `width`
// invocations: the maximum is subtracted before exp (no overflow), and is NaN where an element is.
fn rowMaxSumExp(base: u32, stride: u32, count: u32, lid: u32, width: u32) -> vec2<f32> {
  var m = negInf();
  var nan = false;
  for (var j = lid; j < count; j += width) {
    let v = x[base + j * stride];
    nan = nan || isNaN(v);
    m = max(m, v);
  }
  let rowMax = workgroupReduce(lid, width, select(m, quietNaN(), nan), 1u);
  workgroupBarrier();
  var s = 0.0;
  for (var j = lid; j < count; j += width) {
    s += exp(x[base + j * stride] - rowMax);
  }
  return vec2<f32>(rowMax, workgroupReduce(lid, width, s, 0u));
}

// A NaN at run time (WGSL refuses NaN in constant expressions).
fn quietNaN() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// -inf at run time (WGSL refuses infinities in constant expressions).
fn negInf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
}

// By bits: a compiler that assumes no NaN folds `v != v` to false.
fn isNaN(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

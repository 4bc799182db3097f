// requires: grid broadcast
// out[i] = f(a[ia], b[ib]) with NumPy broadcasting (uniforms and offsets: broadcast.wgsl).
// SAME_SHAPE skips the index arithmetic when no dimension broadcasts.
override OP: u32;
override SAME_SHAPE: bool;
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// IEEE pow, as torch.pow: WGSL's pow is undefined for x < 0 (and for NaN, y = 0, x = 1, −0), so
// its magnitude is pow(|x|, y) and the special cases and the sign are taken here.
fn signedPow(x: f32, y: f32) -> f32 {
  if (y == 0.0 || x == 1.0) { return 1.0; }
  if (isNaN(x) || isNaN(y)) { return quietNaN(); }
  let a = abs(x);
  // pow(0, y < 0) is inf (lavapipe's pow gives 0); a denormal is scaled by 2^24 first, as lavapipe's
  // log2 reads any denormal as about 2^-127.
  var m = select(pow(a, y), exp2(y * (log2(a * 16777216.0) - 24.0)), a < 1.17549435e-38);
  if (a == 0.0) { m = select(0.0, 1.0 / a, y < 0.0); }
  // −0 and negative numbers; −0 compares equal to 0, so the sign bit says.
  if ((bitcast<u32>(x) >> 31u) == 0u) { return m; }
  let ay = abs(y);
  // Every float32 of magnitude 2^24 or more (±inf too) is an even integer.
  let big = ay >= 16777216.0;
  if (x == -1.0 && big) { return 1.0; }
  if (!big && fract(y) != 0.0) {
    // A non-integral power of −0 or −inf is that of +0 or +inf; of a negative number, NaN.
    return select(quietNaN(), m, x == 0.0 || abs(x) > 3.4028234e38);
  }
  return select(m, -m, !big && fract(y * 0.5) != 0.0);
}

// The op codes, as BINARY_OPS in kernels/elementwise.ts (checked when the pipeline is created).
const OP_ADD: u32 = 0u;
const OP_SUB: u32 = 1u;
const OP_MUL: u32 = 2u;
const OP_DIV: u32 = 3u;
const OP_POW: u32 = 4u;
const OP_MAXIMUM: u32 = 5u;
const OP_MINIMUM: u32 = 6u;
const OP_GT: u32 = 7u;
const OP_GE: u32 = 8u;
const OP_EQ: u32 = 9u;
const OP_RELU_BACKWARD: u32 = 10u;

fn apply(x: f32, y: f32) -> f32 {
  switch OP {
    case OP_ADD: { return x + y; }
    case OP_SUB: { return x - y; }
    case OP_MUL: { return x * y; }
    case OP_DIV: { return x / y; }
    case OP_POW: { return signedPow(x, y); }
    // A NaN operand gives NaN, as torch.maximum / torch.minimum (WGSL's max and min may drop it).
    case OP_MAXIMUM: { return select(max(x, y), x + y, isNaN(x) || isNaN(y)); }
    case OP_MINIMUM: { return select(min(x, y), x + y, isNaN(x) || isNaN(y)); }
    case OP_GT: { return select(0.0, 1.0, x > y); }
    case OP_GE: { return select(0.0, 1.0, x >= y); }
    case OP_EQ: { return select(0.0, 1.0, x == y); }
    // ReLU's gradient in one pass (not gt then mul): the gradient x where the input y > 0, else 0.
    case OP_RELU_BACKWARD: { return select(0.0, x, y > 0.0); }
    default: { return x; }
  }
}

@compute @workgroup_size(WG)
fn main(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  if (SAME_SHAPE) {
    out[i] = apply(a[i], b[i]);
    return;
  }
  let at = broadcastOffsets(i);
  out[i] = apply(a[at.x], b[at.y]);
}

// A NaN at run time (WGSL refuses NaN in constant expressions).
fn quietNaN() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// By bits: a compiler that assumes no NaN folds `v != v` to false.
fn isNaN(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

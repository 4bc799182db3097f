// requires: grid elementwise_params
// out[i] = f(x[i]) for the element-wise functions, chosen by the OP override.
override OP: u32;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

// The op codes, as UNARY_OPS in kernels/elementwise.ts (checked when the pipeline is created).
const OP_NEG: u32 = 0u;
const OP_ABS: u32 = 1u;
const OP_EXP: u32 = 2u;
const OP_LOG: u32 = 3u;
const OP_SQRT: u32 = 4u;
const OP_RSQRT: u32 = 5u;
const OP_RELU: u32 = 6u;
const OP_SIGMOID: u32 = 7u;
const OP_TANH: u32 = 8u;
const OP_SIGN: u32 = 9u;

fn apply(v: f32) -> f32 {
  switch OP {
    case OP_NEG: { return -v; }
    case OP_ABS: { return abs(v); }
    case OP_EXP: { return exp(v); }
    // A denormal scaled by 2^24 first: lavapipe's log reads any denormal as about 2^-127.
    case OP_LOG: { return select(log(v), log(v * 16777216.0) - 16.635532, v > 0.0 && v < 1.17549435e-38); }
    case OP_SQRT: { return sqrt(v); }
    case OP_RSQRT: { return inverseSqrt(v); }
    // NaN passes through, as in PyTorch (WGSL's max may return either operand for a NaN).
    case OP_RELU: { return select(max(v, 0.0), v, isNaN(v)); }
    case OP_SIGMOID: { return 1.0 / (1.0 + exp(-v)); }
    case OP_TANH: { return tanh(v); }
    case OP_SIGN: { return sign(v); }
    default: { return v; }
  }
}

@compute @workgroup_size(WG)
fn main(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  out[i] = apply(x[i]);
}

// By bits: a compiler that assumes no NaN folds `v != v` to false.
fn isNaN(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7fffffffu) > 0x7f800000u;
}

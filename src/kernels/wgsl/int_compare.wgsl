// requires: grid broadcast
// out[i] = 1.0 where the comparison of int32 a[ia] and b[ib] holds, else 0.0 (float32, as the float
// comparisons in binary.wgsl), with NumPy broadcasting (uniforms and offsets: broadcast.wgsl).
// Compared as integers: exact over the whole int32 range. SAME_SHAPE skips the index arithmetic.
override OP: u32;
override SAME_SHAPE: bool;
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(1) var<storage, read> a: array<i32>;
@group(0) @binding(2) var<storage, read> b: array<i32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;

// The op codes, as INT_COMPARE_OPS in kernels/elementwise.ts (checked when the pipeline is created).
const OP_GT: u32 = 0u;
const OP_GE: u32 = 1u;
const OP_EQ: u32 = 2u;

fn apply(x: i32, y: i32) -> f32 {
  switch OP {
    case OP_GT: { return select(0.0, 1.0, x > y); }
    case OP_GE: { return select(0.0, 1.0, x >= y); }
    default: { return select(0.0, 1.0, x == y); }
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

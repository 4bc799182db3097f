// requires: grid
// Reductions of x viewed as [outer, R, inner] over R. Each invocation reduces one chunk
// [c*chunk, min((c+1)*chunk, R)) for one (outer, inner) pair into out[(o*chunks + c)*inner + i];
// a long R with few outputs runs as two passes (chunks, then their results) to keep the GPU busy.
// A tensor larger than one storage binding is reduced a range at a time (kernels/reduce.ts): x and
// out are then bound from 256-byte-aligned offsets, and xBase/outBase say where the range starts
// within them. With `accumulate`, out already holds the reduction of the rows before this range.
override OP: u32;
// The reductions OP selects, as REDUCE_OPS in kernels/reduce.ts (checked when the pipeline is created).
const OP_SUM: u32 = 0u;
const OP_MAX: u32 = 1u;
const OP_MIN: u32 = 2u;
struct Params {
  outer: u32, r: u32, inner: u32, chunk: u32,
  chunks: u32, scale: f32, xBase: u32, outBase: u32,
  accumulate: u32, _p0: u32, _p1: u32, _p2: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

fn index(wid: vec3<u32>, lid: u32, nwg: vec3<u32>) -> u32 {
  return invocationIndex(wid, nwg, lid, WG);
}

@compute @workgroup_size(WG)
fn reduce(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = index(wid, lid, nwg);
  if (t >= p.outer * p.chunks * p.inner) { return; }
  let i = t % p.inner;
  let c = (t / p.inner) % p.chunks;
  let o = t / (p.inner * p.chunks);
  let start = c * p.chunk;
  let end = min(start + p.chunk, p.r);
  var base = p.xBase + (o * p.r + start) * p.inner + i;
  // The identity of each reduction: ±inf, so that max([-inf]) is -inf, as in PyTorch.
  var acc = select(select(0.0, negInf(), OP == OP_MAX), -negInf(), OP == OP_MIN);
  if (p.accumulate != 0u) { acc = out[p.outBase + t]; }
  var nan = isNaN(acc);
  for (var r = start; r < end; r++) {
    let v = x[base];
    if (OP == OP_MAX) { nan = nan || isNaN(v); acc = max(acc, v); }
    else if (OP == OP_MIN) { nan = nan || isNaN(v); acc = min(acc, v); }
    else { acc += v; }
    base += p.inner;
  }
  // max() and min() may drop NaN; keep it, as NumPy and PyTorch do.
  if (nan && OP != OP_SUM) { acc = quietNaN(); }
  out[p.outBase + t] = acc * p.scale;
}

// Index along R of the first maximum, as i32.
@group(0) @binding(2) var<storage, read_write> indices: array<i32>;
@compute @workgroup_size(WG)
fn argmax(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
          @builtin(num_workgroups) nwg: vec3<u32>) {
  let t = index(wid, lid, nwg);
  if (t >= p.outer * p.inner) { return; }
  let i = t % p.inner;
  let o = t / p.inner;
  var base = p.xBase + o * p.r * p.inner + i;
  var best = x[base];
  var at = 0u;
  for (var r = 1u; r < p.r; r++) {
    base += p.inner;
    let v = x[base];
    // The first NaN is the maximum, as torch.argmax has it.
    if (!isNaN(best) && (isNaN(v) || v > best)) { best = v; at = r; }
  }
  indices[p.outBase + t] = i32(at);
}

// -inf at run time (WGSL refuses infinities in constant expressions).
fn negInf() -> f32 {
  var bits = 0xff800000u;
  return bitcast<f32>(bits);
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

// requires: grid
// Batch normalisation of x viewed as [N, C, S] (S = the spatial size), per channel c.
// Statistics: the mean and then the biased variance as the mean of squared deviations (no
//   cancellation of E[x²] − E[x]²), and when UPDATE blends them into the running statistics, the
//   variance unbiased by M/(M − 1) (M = N·S), as PyTorch does. Two passes, so that few channels
//   over a large N·S still fill a big GPU: statsPartial reduces each CHUNK of each channel in a
//   workgroup of its own, statsFinish combines a channel's chunks in order (Chan's pairwise formula).
// normalize: y = (x − mean_c) / sqrt(var_c + eps) · w_c + b_c, from the batch's or the running statistics.
// Backward sums, per channel Σ g and Σ g·x̂ (x̂ the normalised input: the bias and weight gradients),
//   in the same two passes: sumsPartial, then sumsFinish.
// backwardInput: dx = w·invstd·(g − Σg/M − x̂·Σg·x̂/M) with batch statistics (TRAINING), w·invstd·g with
//   running ones (constants then).
// The chunks and the order are fixed, so the results are the same from run to run.
// A tensor larger than one storage binding runs a range of samples at a time (kernels/batchnorm.ts):
// n is then the range's samples, x (and y, g, dx) are bound from the aligned offset before it, and
// its first element is at `base`; its chunks are chunks chunk0 .. of the chunksAll of each channel
// (the finishing passes always read all of them). invM and unbias are the whole batch's.
override TRAINING: bool;
struct Params {
  n: u32, c: u32, s: u32, update: u32,
  momentum: f32, eps: f32, invM: f32, unbias: f32,
  base: u32, chunk0: u32, chunksAll: u32, _p0: u32,
}
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;
// Elements of a channel that one workgroup of the two-pass entry points reduces.
override CHUNK: u32 = 4096u;

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;

const ROW_WG: u32 = 64u;
var<workgroup> scratch: array<f32, 64>;

fn sumShared(lid: u32) -> f32 {
  for (var w = ROW_WG / 2u; w > 0u; w /= 2u) {
    workgroupBarrier();
    if (lid < w) { scratch[lid] += scratch[lid + w]; }
  }
  workgroupBarrier();
  let total = scratch[0];
  workgroupBarrier();
  return total;
}

// Index in x of the j-th element (j in [0, N·S)) of channel c.
fn at(c: u32, j: u32) -> u32 {
  return p.base + ((j / p.s) * p.c + c) * p.s + j % p.s;
}

@group(0) @binding(2) var<storage, read_write> meanOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> varOut: array<f32>;
@group(0) @binding(4) var<storage, read_write> runMean: array<f32>;
@group(0) @binding(5) var<storage, read_write> runVar: array<f32>;
// BatchNorm2d's num_batches_tracked, counted on the GPU where the batch is (a dummy for the functional op).
@group(0) @binding(6) var<storage, read_write> batchesTracked: array<i32>;

@group(0) @binding(2) var<storage, read> mean: array<f32>;
@group(0) @binding(3) var<storage, read> variance: array<f32>;
@group(0) @binding(4) var<storage, read> weight: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(WG)
fn normalize(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c * p.s) { return; }
  let c = (i / p.s) % p.c;
  y[p.base + i] = (x[p.base + i] - mean[c]) / sqrt(variance[c] + p.eps) * weight[c] + bias[c];
}

@group(0) @binding(4) var<storage, read> g: array<f32>;
@group(0) @binding(5) var<storage, read> weightIn: array<f32>;
@group(0) @binding(6) var<storage, read> sumGIn: array<f32>;
@group(0) @binding(7) var<storage, read> sumGXIn: array<f32>;
@group(0) @binding(8) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn backwardInput(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n * p.c * p.s) { return; }
  let c = (i / p.s) % p.c;
  let invstd = 1.0 / sqrt(variance[c] + p.eps);
  if (TRAINING) {
    let xhat = (x[p.base + i] - mean[c]) * invstd;
    dx[p.base + i] = weightIn[c] * invstd * (g[p.base + i] - sumGIn[c] * p.invM - xhat * sumGXIn[c] * p.invM);
  } else {
    dx[p.base + i] = weightIn[c] * invstd * g[p.base + i];
  }
}

// The two-pass statistics and sums (see the top). Workgroup w = c·chunks + k covers elements
// [k·CHUNK, min((k + 1)·CHUNK, n·s)) of channel c in the samples bound; its results go to
// chunk chunk0 + k of the channel's chunksAll.
fn chunkCount() -> u32 {
  return (p.n * p.s + CHUNK - 1u) / CHUNK;
}

// Workgroup w's chunk: its channel, its values [start, end) and its slot among the channel's
// chunksAll (valid: w is not one of the grid's spare workgroups).
struct Chunk { valid: bool, c: u32, start: u32, end: u32, slot: u32 }
fn chunkOf(w: u32) -> Chunk {
  let chunks = chunkCount();
  let c = w / chunks;
  let start = (w % chunks) * CHUNK;
  return Chunk(w < p.c * chunks, c, start, min(start + CHUNK, p.n * p.s), c * p.chunksAll + p.chunk0 + w % chunks);
}

// (mean, Σ (x − mean)², count, 0) of each chunk.
@group(0) @binding(2) var<storage, read_write> chunkStats: array<vec4<f32>>;

@compute @workgroup_size(64)
fn statsPartial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
                @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = chunkOf(workgroupIndex(wid, nwg));
  // Uniform control flow: the whole workgroup leaves together.
  if (!r.valid) { return; }
  var acc = 0.0;
  for (var j = r.start + lid; j < r.end; j += ROW_WG) { acc += x[at(r.c, j)]; }
  scratch[lid] = acc;
  let mean = sumShared(lid) / f32(r.end - r.start);
  acc = 0.0;
  for (var j = r.start + lid; j < r.end; j += ROW_WG) {
    let d = x[at(r.c, j)] - mean;
    acc += d * d;
  }
  scratch[lid] = acc;
  let m2 = sumShared(lid);
  if (lid == 0u) { chunkStats[r.slot] = vec4<f32>(mean, m2, f32(r.end - r.start), 0.0); }
}

@group(0) @binding(1) var<storage, read> chunkStatsIn: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> chunkSumsIn: array<vec2<f32>>;

// One invocation per channel: its chunks merged in order, then as stats ends.
@compute @workgroup_size(64)
fn statsFinish(inv: GridInvocation) {
  let c = gridIndex(inv, 64u);
  if (c >= p.c) { return; }
  var count = 0.0;
  var mean = 0.0;
  var m2 = 0.0;
  for (var k = 0u; k < p.chunksAll; k++) {
    let part = chunkStatsIn[c * p.chunksAll + k];
    let size = part.z;
    let total = count + size;
    let delta = part.x - mean;
    mean += delta * (size / total);
    m2 += part.y + delta * delta * (count * size / total);
    count = total;
  }
  let variance = m2 * p.invM;
  meanOut[c] = mean;
  varOut[c] = variance;
  if (p.update != 0u) {
    runMean[c] = (1.0 - p.momentum) * runMean[c] + p.momentum * mean;
    runVar[c] = (1.0 - p.momentum) * runVar[c] + p.momentum * variance * p.unbias;
    if (c == 0u) { batchesTracked[0] += 1; }
  }
}

// (Σ g, Σ g·x̂) of each chunk.
@group(0) @binding(5) var<storage, read_write> chunkSums: array<vec2<f32>>;

@compute @workgroup_size(64)
fn sumsPartial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32,
               @builtin(num_workgroups) nwg: vec3<u32>) {
  let r = chunkOf(workgroupIndex(wid, nwg));
  if (!r.valid) { return; }
  let mu = mean[r.c];
  let invstd = 1.0 / sqrt(variance[r.c] + p.eps);
  var sg = 0.0;
  var sgx = 0.0;
  for (var j = r.start + lid; j < r.end; j += ROW_WG) {
    let k = at(r.c, j);
    sg += g[k];
    sgx += g[k] * (x[k] - mu) * invstd;
  }
  scratch[lid] = sg;
  let totalG = sumShared(lid);
  scratch[lid] = sgx;
  let totalGX = sumShared(lid);
  if (lid == 0u) { chunkSums[r.slot] = vec2<f32>(totalG, totalGX); }
}

@group(0) @binding(2) var<storage, read_write> sumGOut: array<f32>;
@group(0) @binding(3) var<storage, read_write> sumGXOut: array<f32>;

// One invocation per channel: its chunks' sums added in order.
@compute @workgroup_size(64)
fn sumsFinish(inv: GridInvocation) {
  let c = gridIndex(inv, 64u);
  if (c >= p.c) { return; }
  var total = vec2<f32>(0.0, 0.0);
  for (var k = 0u; k < p.chunksAll; k++) { total += chunkSumsIn[c * p.chunksAll + k]; }
  sumGOut[c] = total.x;
  sumGXOut[c] = total.y;
}

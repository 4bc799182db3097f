// requires: grid philox
// Shared by attention_forward.wgsl and attention_backward.wgsl: scaled dot-product attention over
// [bh, rows, dims] operands, one row per invocation, WG rows per workgroup (their override), the
// other operand staged in workgroup memory BC rows at a time. q [bh, L, E], k [bh, S, E],
// v [bh, S, Ev] are bound from the first bh of the run (kernels/attention-*.ts split bh into runs
// that fit one binding); the additive mask is bound whole and indexed by the global bh =
// bhFirst + bh, split as (bh / inner, bh % inner) with a stride each, and strides along rows and
// columns (0 where it broadcasts).
// Rows are held as HEAD4 vec4s, zeros past E (or Ev): HEAD, the head-size class (16, 32 or 64),
// is an override so that the loops over a row have a constant trip count, which a compiler unrolls
// and keeps in registers; one pipeline serves every head size of its class.
override HEAD: u32;    // E and Ev are at most HEAD
override BC: u32;      // rows of the staged operand per tile (at most MAX_BC)
override HEAD4: u32 = HEAD / 4u;
override UNROLL: bool;
override DROPOUT: bool; // dropout on the weights (needs philox.wgsl) // loops over a row run HEAD4 times (unrolled) rather than to the row's end
const MAX_HEAD4: u32 = 16u;
const MAX_BC: u32 = 32u;
// Below every score: the running maximum before any key is seen (finite, so exp(m - m') is 0, not NaN).
const NO_MAX: f32 = -3.0e38;

// causal: query i sees keys j <= i; hasMask: an additive mask is bound at binding 4; dropP,
// dropScale, seedLo, seedHi: dropout's probability, 1/(1 − p) and seed.
struct Params {
  L: u32, S: u32, E: u32, Ev: u32,
  bhCount: u32, bhFirst: u32, causal: u32, hasMask: u32,
  inner: u32, maskOuter: u32, maskInner: u32, maskRow: u32,
  maskCol: u32, scale: f32, dropP: f32, dropScale: f32,
  seedLo: u32, seedHi: u32, _p0: u32, _p1: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> q: array<f32>;
@group(0) @binding(2) var<storage, read> k: array<f32>;
@group(0) @binding(3) var<storage, read> v: array<f32>;
@group(0) @binding(4) var<storage, read> mask: array<f32>;

// Elements 4c .. 4c+3 of the row starting at `at` of q, k or v (rows `n` long), zeros past the end.
fn qVec(at: u32, c: u32, n: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) { if (4u * c + t < n) { r[t] = q[at + 4u * c + t]; } }
  return r;
}
fn kVec(at: u32, c: u32, n: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) { if (4u * c + t < n) { r[t] = k[at + 4u * c + t]; } }
  return r;
}
fn vVec(at: u32, c: u32, n: u32) -> vec4<f32> {
  var r = vec4<f32>(0.0);
  for (var t = 0u; t < 4u; t++) { if (4u * c + t < n) { r[t] = v[at + 4u * c + t]; } }
  return r;
}

// The vec4s a loop over a row visits: HEAD4, a constant, or as few as hold E and Ev where the
// dispatcher asks for loops that a compiler keeps rolled (on CPU adapters, where unrolled ones
// compile several times slower).
fn rowVecs() -> u32 {
  if (UNROLL) { return HEAD4; }
  return (max(p.E, p.Ev) + 3u) / 4u;
}

// The mask's term for query i and key j of the run's bh-th head (0 without a mask).
fn maskAt(bh: u32, i: u32, j: u32) -> f32 {
  if (p.hasMask == 0u) { return 0.0; }
  let g = p.bhFirst + bh;
  return mask[(g / p.inner) * p.maskOuter + (g % p.inner) * p.maskInner + i * p.maskRow + j * p.maskCol];
}

// What dropout multiplies weight (i, j) of the run's bh-th head by: 0 where dropped, 1/(1 − p) where
// kept (1 without dropout). The mask is dropout.wgsl's for the weights [.., L, S] with the same seed:
// word f % 4 of Philox counter (f / 4, DROPOUT_STREAM) for the flat index f.
fn dropFactor(bh: u32, i: u32, j: u32) -> f32 {
  if (!DROPOUT) { return 1.0; }
  let f = ((p.bhFirst + bh) * p.L + i) * p.S + j;
  let r = philox(vec4<u32>(f / 4u, DROPOUT_STREAM, 0u, 0u), vec2<u32>(p.seedLo, p.seedHi));
  return select(0.0, p.dropScale, unitFloat(r[f % 4u]) >= p.dropP);
}

// Whether query i attends to key j at all (causal masking).
fn visible(i: u32, j: u32) -> bool {
  return p.causal == 0u || j <= i;
}

// The keys a workgroup of queries [row0, row0 + WG) needs: past the last query, causal ones see none.
fn keyEnd(row0: u32) -> u32 {
  return select(p.S, min(p.S, row0 + WG), p.causal != 0u);
}

// The head bh and first row of a workgroup, for `rows` rows (L or S) a head in blocks of WG (bh is
// bhCount or more for the few workgroups a grid fold adds past the end). From the workgroup's id
// alone, so that control flow that depends on it stays uniform for the barriers.
struct RowBlock { bh: u32, first: u32 }
fn rowBlock(wid: vec3<u32>, nwg: vec3<u32>, rows: u32) -> RowBlock {
  let blocks = (rows + WG - 1u) / WG;
  let w = workgroupIndex(wid, nwg);
  return RowBlock(w / blocks, (w % blocks) * WG);
}

// An invocation's own row i of its block, whether it is one (live), and its flat row bh·rows + i,
// clamped to the head's last row so that an idle invocation still loads in bounds.
struct OwnRow { i: u32, live: bool, flat: u32 }
fn ownRow(block: RowBlock, lid: u32, rows: u32) -> OwnRow {
  let i = block.first + lid;
  return OwnRow(i, i < rows, block.bh * rows + min(i, rows - 1u));
}

// The keys and values of a tile, staged by the whole workgroup (forward's and dq's).
var<workgroup> kTile: array<vec4<f32>, BC * HEAD4>;
var<workgroup> vTile: array<vec4<f32>, BC * HEAD4>;

// Stages keys and values t0 .. t0 + n − 1 of the run's bh-th head (n = min(BC, end − t0), which it
// returns) into kTile and vTile, the workgroup's invocations striding; between barriers, so that the
// previous tile is read out first and this one written before it is read.
fn stageKeyTile(bh: u32, t0: u32, end: u32, lid: u32) -> u32 {
  let n = min(BC, end - t0);
  workgroupBarrier();
  for (var x = lid; x < n * HEAD4; x += WG) {
    let row = bh * p.S + t0 + x / HEAD4;
    kTile[x] = kVec(row * p.E, x % HEAD4, p.E);
    vTile[x] = vVec(row * p.Ev, x % HEAD4, p.Ev);
  }
  workgroupBarrier();
  return n;
}

// NaN, for rows that see no key (as PyTorch's softmax over nothing but -inf gives); from a
// variable, since WGSL refuses NaN in constant expressions.
fn nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

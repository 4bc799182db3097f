// requires: gemm_common
// The GEMM for CPU adapters (gemm_common.wgsl has its parameters and epilogue). Both operands are
// first packed into rgba32float textures (gemm_pack.wgsl) and read here with textureLoad: on
// lavapipe a storage-buffer load is a loop over the SIMD lanes with a bounds check, a branch and an
// insert per component (most of gemm.wgsl's instructions), while a texel fetch gathers each lane's
// 4 floats at once. Otherwise as gemm.wgsl, with larger blocks since loads cost less: TM×TN
// (32×16) outputs per invocation, and each step over 4 values of k reads 32 + 16 texels for 2048
// FMAs.
//
// One form only: A texel (k/4, m) holds A(m, k .. k+3) and B texel (n/4, k) holds B(k, n .. n+3),
// zero past K and N (B has a multiple of 4 rows). Rows past M and columns past N are read clamped
// to the last one; their outputs are never stored. No batch, no split of k.
//
// The output starts at element p.offO of its buffer (a product written into a slice of a larger
// tensor). TRANSPOSE_OUT stores output (m, n) at out[offO + n·ldo + m]: the host computes Cᵀ = op(B)ᵀ·op(A)ᵀ
// instead of C where readying those operands costs less (a convolution's weight gradient, whose
// columns operand would otherwise be packed transposed).
@group(0) @binding(1) var tA: texture_2d<f32>;
@group(0) @binding(2) var tB: texture_2d<f32>;
override TRANSPOSE_OUT: bool = false;
// Invocations per workgroup (TILE_INVOCATIONS in gemm-plan.ts), p.wgX along n and INVOCATIONS / p.wgX along m:
// the dispatcher's tile (gemm-plan.ts's chooseTile) sets the shape and sizes its grid by it.
const INVOCATIONS = 64u;

// Keep in step with TEXTURE_TILE_M and TEXTURE_TILE_N in gemm/gemm-plan.ts.
const TM = 32u;
const TN = 16u;
const NV = TN / 4u;

@compute @workgroup_size(INVOCATIONS)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
  let lid = vec2<u32>(li % p.wgX, li / p.wgX);
  let n0 = (wid.x * p.wgX + lid.x) * TN;
  let m0 = (wid.y * (INVOCATIONS / p.wgX) + lid.y) * TM;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var rows: array<u32, TM>;
  for (var i = 0u; i < TM; i++) { rows[i] = min(m0 + i, p.M - 1u); }
  var cols: array<u32, NV>;
  for (var v = 0u; v < NV; v++) { cols[v] = min(n0 / 4u + v, (p.N - 1u) / 4u); }

  var acc: array<vec4<f32>, TM * NV>;
  for (var kc = 0u; kc < (p.K + 3u) / 4u; kc++) {
    var fa: array<vec4<f32>, TM>;
    for (var i = 0u; i < TM; i++) { fa[i] = textureLoad(tA, vec2<u32>(kc, rows[i]), 0); }
    var fb: array<vec4<f32>, 4 * NV>;
    for (var kk = 0u; kk < 4u; kk++) {
      for (var v = 0u; v < NV; v++) { fb[kk * NV + v] = textureLoad(tB, vec2<u32>(cols[v], 4u * kc + kk), 0); }
    }
    for (var i = 0u; i < TM; i++) {
      let a = fa[i];
      for (var v = 0u; v < NV; v++) {
        acc[i * NV + v] += a.x * fb[v] + a.y * fb[NV + v] + a.z * fb[2u * NV + v] + a.w * fb[3u * NV + v];
      }
    }
  }

  for (var i = 0u; i < TM; i++) {
    let m = m0 + i;
    if (m >= p.M) { break; }
    for (var v = 0u; v < NV; v++) {
      if (!TRANSPOSE_OUT) {
        storeRow4(acc[i * NV + v], p.offO, m, n0 + 4u * v);
        continue;
      }
      for (var j = 0u; j < 4u; j++) {
        let n = n0 + 4u * v + j;
        if (n < p.N) { storeOne(acc[i * NV + v][j], p.offO + n * p.ldo + m, m, n); }
      }
    }
  }
}

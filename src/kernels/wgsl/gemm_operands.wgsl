// The operands of the storage-buffer GEMMs (gemm.wgsl, gemm_workgroup.wgsl), read as vec4s.
@group(0) @binding(1) var<storage, read> A: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> B: array<vec4<f32>>;

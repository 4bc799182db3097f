// The uniform block of the kernels with one invocation per element and nothing but the count to
// read (gelu, cast, unary): n, padded to 16 bytes. ELEMENTWISE_PARAMS in
// kernels/elementwise-params.ts packs it.
struct Params { n: u32, _p0: u32, _p1: u32, _p2: u32 }
// Invocations per workgroup: the dispatcher sets it and sizes its grid by the same number.
override WG: u32;

@group(0) @binding(0) var<uniform> p: Params;

// requires: grid elementwise_params
// GELU, x·Φ(x) (PyTorch's F.gelu), and its gradient, element-wise. APPROX = false: the exact form,
// Φ(x) = erfc(−x/√2)/2 with erfc from a Chebyshev fit of relative error below 1.2e-7 everywhere
// (Numerical Recipes' erfcc), so the far negative tail keeps its digits; APPROX = true: PyTorch's
// approximate='tanh', 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
override APPROX: bool;
const SQRT_HALF: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const TANH_C: f32 = 0.044715;

// erfc(z) for z >= 0.
fn erfcPositive(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(-z * z + poly);
}

// Φ(v), the standard normal distribution function.
fn normalCdf(v: f32) -> f32 {
  let tail = 0.5 * erfcPositive(abs(v) * SQRT_HALF);
  return select(1.0 - tail, tail, v < 0.0);
}

// (1 + tanh(u))/2 of the approximation's argument u, as the logistic function of 2u: the same
// value without 1 + tanh(u)'s cancellation in the negative tail (exp overflowing to inf gives 0).
fn tanhHalf(v: f32) -> f32 {
  return 1.0 / (1.0 + exp(-2.0 * SQRT_2_OVER_PI * (v + TANH_C * v * v * v)));
}

fn gelu(v: f32) -> f32 {
  if (APPROX) { return v * tanhHalf(v); }
  return v * normalCdf(v);
}

fn geluGrad(v: f32) -> f32 {
  if (APPROX) {
    // With s = (1 + t)/2: 1 − t² = 4·s·(1 − s).
    let s = tanhHalf(v);
    return s + 2.0 * v * s * (1.0 - s) * SQRT_2_OVER_PI * (1.0 + 3.0 * TANH_C * v * v);
  }
  return normalCdf(v) + v * INV_SQRT_2PI * exp(-0.5 * v * v);
}

@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(WG)
fn forward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  out[i] = gelu(x[i]);
}

@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read> xIn: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(WG)
fn backward(inv: GridInvocation) {
  let i = gridIndex(inv, WG);
  if (i >= p.n) { return; }
  dx[i] = g[i] * geluGrad(xIn[i]);
}

// The conv half of bench/tune-gemm.ts: times every candidate configuration of conv_implicit.wgsl
// (src/kernels/conv-implicit-plan.ts) on AlexNet's convolutions at batch 128, each product as conv2d
// runs it (forward with bias, dx where the implicit form pays, dW with its split and sum), forced by
// the policy's convConfig. Each candidate's output is checked against the im2col form's (conv.wgsl
// and the GEMM: another code path) on its first, middle and last elements; one off by more than
// gemmTolerance(K) is WRONG: printed so, kept in the JSON, never the best. Where conv2d would run
// Winograd (3×3, stride 1), its form is timed and checked beside them as 'winograd': never the
// best, which names an implicit configuration.
import { tensor, withPolicy } from '../src/index.js';
import { runtime } from '../src/device/current.js';
import { conv2dBackwardKernel, conv2dKernel, planConv2d, type ConvGeometry } from '../src/kernels/conv.js';
import { bindingLimits } from '../src/kernels/ranges.js';
import { implicitInputGradPays } from '../src/kernels/conv-implicit.js';
import { convCandidates, convProduct, convShapeClass, type ConvMode } from '../src/kernels/conv-implicit-plan.js';
import { chooseWinogradTile } from '../src/kernels/winograd-plan.js';
import { gemmTolerance, relativeDifference } from '../src/kernels/gemm/gemm-autotune.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { LAYERS, layerAt } from './cases/alexnet.js';
import { values } from './cases/gemm.js';

/** How tune-gemm.ts times candidates: GPU timestamps, or wall time where there are none. */
export type CandidateTimer = (candidates: readonly string[], run: (c: string) => void) => Promise<number[]>;

export interface ConvTuneOptions {
  quick: boolean;
  filter: RegExp;
  time: CandidateTimer;
  /** The checked elements of an output (tune-gemm.ts's windows). */
  readChecked: (t: Tensor) => Promise<Float32Array>;
  /** Called with each shape's result as soon as it is measured. */
  onResult: (result: unknown) => void;
}

interface ConvShape {
  name: string;
  mode: ConvMode;
  g: ConvGeometry;
}

/** The name conv2d's Winograd form is timed under, beside the implicit candidates. */
const WINOGRAD = 'winograd';

const MODE_NAMES: Record<ConvMode, string> = { forward: 'forward', inputGrad: 'dx', weightGrad: 'dW' };

function shapes(quick: boolean): ConvShape[] {
  const list: ConvShape[] = [];
  const layers = quick
    ? [{ name: 'quick', cin: 20, cout: 70, size: 12, k: 3, stride: 1, pad: 1 }]
    : LAYERS;
  for (const l of layers) {
    const { g } = layerAt(l, quick ? 2 : 128);
    for (const mode of ['forward', 'inputGrad', 'weightGrad'] as const) {
      if (mode === 'inputGrad' && !implicitInputGradPays(g)) continue;
      list.push({ name: `implicit ${l.name} ${MODE_NAMES[mode]}`, mode, g });
    }
  }
  return list;
}

/** The product of one mode, on the forms and configuration the policy says. */
function product(s: ConvShape, x: Tensor, w: Tensor, b: Tensor, gy: Tensor): Tensor {
  const plan = planConv2d('conv2d', s.g, s.mode === 'inputGrad', bindingLimits(), runtime().policy);
  if (s.mode === 'forward') return conv2dKernel(x, w, b, s.g, plan);
  const want = { x: s.mode === 'inputGrad', weight: s.mode === 'weightGrad', bias: false };
  const r = conv2dBackwardKernel(x, w, gy, s.g, want, plan);
  return (s.mode === 'inputGrad' ? r.gx : r.gw)!;
}

/** Times and checks every candidate on each shape; prints a line per shape and hands over its result. */
export async function tuneConv(o: ConvTuneOptions): Promise<void> {
  const rt = runtime();
  const limit = rt.gpu.limits.maxComputeWorkgroupStorageSize;
  for (const s of shapes(o.quick).filter((c) => o.filter.test(c.name))) {
    const { g } = s;
    const xs = [g.n, g.c, g.h, g.w];
    const ws = [g.cout, g.c, g.kh, g.kw];
    const ys = [g.n, g.cout, g.oh, g.ow];
    const count = (d: number[]) => d.reduce((a, v) => a * v);
    const x = tensor(values(count(xs), 1), xs);
    const w = tensor(values(count(ws), 2).map((v) => v * 0.1), ws);
    const b = tensor(values(g.cout, 3), [g.cout]);
    const gy = tensor(values(count(ys), 4), ys);
    // As the autotuner on a GPU would: the default first.
    const candidates = convCandidates(s.mode, g, rt.policy.sizing === 'cpu', limit);
    const forms = chooseWinogradTile(g) === null ? candidates : [...candidates, WINOGRAD];
    const run = (c: string) =>
      c === WINOGRAD
        ? withPolicy({ conv: 'winograd', autotune: false }, () => product(s, x, w, b, gy))
        : withPolicy({ conv: 'implicit', convConfig: c, autotune: false }, () => product(s, x, w, b, gy));
    const ms = await o.time(forms, (c) => run(c).dispose());
    const checked = async (f: () => Tensor) => {
      const out = f();
      try {
        return await o.readChecked(out);
      } finally {
        out.dispose();
      }
    };
    const reference = await checked(() => withPolicy({ conv: 'im2col', autotune: false }, () => product(s, x, w, b, gy)));
    const differences: number[] = [];
    for (const c of forms) differences.push(relativeDifference(await checked(() => run(c)), reference));
    for (const t of [x, w, b, gy]) t.dispose();
    const { M, N, K } = convProduct(s.mode, g);
    const tolerance = gemmTolerance(K);
    const flops = 2 * M * N * K;
    const byName = Object.fromEntries(
      forms.map((c, i) => [c, { ms: ms[i], gflops: flops / ms[i] / 1e6, difference: differences[i], ok: differences[i] <= tolerance }]),
    );
    const best = candidates.filter((c) => byName[c].ok).reduce<string | null>((p, c) => (p === null || byName[c].ms < byName[p].ms ? c : p), null);
    const wrong = forms.filter((c) => !byName[c].ok);
    o.onResult({ name: s.name, shapeClass: convShapeClass(s.mode, g), M, N, K, flops, best, default: candidates[0], reference: 'im2col', tolerance, wrong, candidates: byName });
    const cells = forms.map((c) => {
      const r = byName[c];
      return `${c} ${r.ms.toFixed(3)}ms ${r.gflops.toPrecision(3)} GFLOP/s${r.ok ? '' : ` WRONG (difference ${r.difference.toPrecision(2)})`}`;
    });
    const checkedBy = `checked against im2col, tolerance ${tolerance.toPrecision(2)}${wrong.length ? `, ${wrong.length} WRONG` : ''}`;
    console.log(`${s.name} (${M}x${N}x${K}): best ${best ?? 'none (every candidate WRONG)'}, default ${candidates[0]}, ${checkedBy} | ${cells.join(' | ')}`);
  }
}

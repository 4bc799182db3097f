import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The import graph of src/, type-only imports included (a type import still says which module
// knows about which), and the order of its layers. Static imports, re-exports, side-effect imports
// and dynamic `import()` all count. Two checks: every import points to the importer's own layer or
// one below it (LAYERS), and no modules import each other in a circle. docs/architecture.md
// describes the layers from this table.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:^|[;\s])(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The modules of src/ that `file` imports, as paths relative to src/; `typeOnly` marks the imports the compiler erases. */
export function imports(file: string, text: string): { to: string; typeOnly: boolean }[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: { to: string; typeOnly: boolean }[] = [];
  for (const m of code.matchAll(IMPORT)) {
    const [, , typeKeyword, clause, fromSpec, bareSpec, dynamicSpec] = m;
    const spec = fromSpec ?? bareSpec ?? dynamicSpec;
    if (!spec.startsWith('.') || spec.endsWith('.json')) continue;
    const names = /^\{([^}]*)\}$/.exec(clause?.trim() ?? '');
    const typeOnly = Boolean(typeKeyword) || Boolean(names && names[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type ')));
    out.push({ to: relative(SRC, normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')))), typeOnly });
  }
  return out;
}

/**
 * The layers of src/, from the ground up: a folder (or a top-level file) may import its own layer
 * and the layers below it, never one above. Folders in one row are peers.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['errors.ts'], // the errors every layer throws
  ['runtime'], // the GPU device, the Runtime (pipelines, recording, transfers, pools, policy, profiler), WGSL sources
  ['device'], // the current runtime: what kernels dispatch through and tensors allocate from
  ['graph'], // recording the autograd graph, its lifetime, tidy() scopes (on a GraphTensor interface)
  ['tensor'], // Tensor and shapes
  ['kernels'], // dispatchers and their WGSL, the GEMM planner and autotuner
  ['ops'], // the public functions, each with its backward rule
  ['autograd'], // the backward pass (adds gradients with ops), gradCheck
  ['layers', 'optim', 'io', 'data'], // modules, optimizers, safetensors, datasets
  ['session'], // init(), release(), withPolicy(), memory(), profileKernels(), manualSeed(); Node's init()
  ['methods.ts', 'index.ts', 'node.ts'], // Tensor's methods (ops and backward), the browser and Node entries
];

/**
 * Import circles allowed for now, each explained in docs/architecture.md ("Exceptions"); the test
 * fails when one disappears, so that its entry goes too.
 */
export const ALLOWED_CYCLES: readonly string[] = [
];

/** The layer row of a module (a path relative to src/). */
export function layerOf(module: string): number {
  const top = module.split('/')[0];
  return LAYERS.findIndex((row) => row.includes(top));
}

/** The imports that point up the layer order, as `from → to (layer → layer)`. */
export function upwardImports(graph: Map<string, { to: string; typeOnly: boolean }[]>): string[] {
  const out: string[] = [];
  for (const [from, tos] of graph) {
    for (const { to, typeOnly } of tos) {
      if (layerOf(to) > layerOf(from)) out.push(`${from} → ${to}${typeOnly ? ' (type)' : ''} (${LAYERS[layerOf(from)].join('/')} → ${LAYERS[layerOf(to)].join('/')})`);
    }
  }
  return out;
}

/**
 * The cycles of the graph, one per strongly connected component (Tarjan): a shortest path a → … → a
 * and every module of the component.
 */
export function cycles(graph: Map<string, string[]>): { path: string[]; modules: string[] }[] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: { path: string[]; modules: string[] }[] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        component.push(w);
      } while (w !== v);
      const self = (graph.get(v) ?? []).includes(v);
      if (component.length > 1 || self) found.push({ path: pathThrough(graph, new Set(component), v), modules: component.sort() });
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return found;
}

/** A shortest cycle from `start` back to itself inside `component` (breadth-first), to print. */
function pathThrough(graph: Map<string, string[]>, component: Set<string>, start: string): string[] {
  const prev = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of graph.get(v) ?? []) {
      if (!component.has(w)) continue;
      if (w === start) {
        const path = [start];
        for (let u = v; u !== start; u = prev.get(u)!) path.splice(1, 0, u);
        return [...path, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

function srcGraph(): Map<string, { to: string; typeOnly: boolean }[]> {
  const graph = new Map<string, { to: string; typeOnly: boolean }[]>();
  for (const file of sources(SRC)) graph.set(relative(SRC, file), imports(file, readFileSync(file, 'utf8')));
  return graph;
}

describe('architecture', () => {
  it('finds cycles, sees type-only imports, and names an upward import (the checker checked)', () => {
    const g = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cycles(g)).toEqual([{ path: ['a', 'b', 'c', 'a'], modules: ['a', 'b', 'c'] }]);
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
    const text = [
      "import type { Tensor } from '../tensor/tensor.js';",
      "import { type Shape } from '../tensor/shape.js';",
      "import { runtime } from '../device/current.js';",
      "export { relu } from './elementwise.js';",
      "import './methods.js';",
      "const m = await import('../io/safetensors.js');",
      "// import { x } from './commented.js';",
    ].join('\n');
    expect(imports(join(SRC, 'ops/x.ts'), text)).toEqual([
      { to: 'tensor/tensor.ts', typeOnly: true },
      { to: 'tensor/shape.ts', typeOnly: true },
      { to: 'device/current.ts', typeOnly: false },
      { to: 'ops/elementwise.ts', typeOnly: false },
      { to: 'ops/methods.ts', typeOnly: false },
      { to: 'io/safetensors.ts', typeOnly: false },
    ]);
    const up = new Map([['kernels/relu.ts', [{ to: 'session/init.ts', typeOnly: true }, { to: 'tensor/tensor.ts', typeOnly: false }]]]);
    expect(upwardImports(up)).toEqual(['kernels/relu.ts → session/init.ts (type) (kernels → session)']);
  });

  it('every module of src/ sits in a layer', () => {
    const outside = [...srcGraph().keys()].filter((m) => layerOf(m) < 0);
    expect(outside, `modules in no layer of LAYERS: ${outside.join(', ')}`).toEqual([]);
  });

  it('no import points up the layer order (type imports included)', () => {
    const up = upwardImports(srcGraph());
    expect(up, `imports that point up the layers:\n${up.join('\n')}`).toEqual([]);
  });

  it('src/ has no import cycle (type imports included)', () => {
    const full = srcGraph();
    const graph = new Map([...full].map(([from, tos]) => [from, tos.map((t) => t.to)]));
    for (const [from, tos] of graph) for (const to of tos) expect(graph.has(to), `${from} imports ${to}, which does not exist`).toBe(true);
    const found = cycles(graph).map((c) => `${c.path.join(' → ')} (a cycle among ${c.modules.length} modules: ${c.modules.join(', ')})`);
    const unexplained = found.filter((f) => !ALLOWED_CYCLES.some((a) => f.startsWith(a)));
    expect(unexplained, `import cycles in src/:\n${unexplained.join('\n')}`).toEqual([]);
    const gone = ALLOWED_CYCLES.filter((a) => !found.some((f) => f.startsWith(a)));
    expect(gone, `allowed cycles that no longer exist (drop them here and in docs/architecture.md): ${gone.join(', ')}`).toEqual([]);
  });
});

import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The import graph of src/: every module and the modules it imports at run time. Type-only imports
// (`import type`, `export type`, or braces whose every name is marked `type`) are left out: the
// compiler erases them, so they order no module evaluation and cannot leave a binding undefined
// while a cycle loads — a kernel may name the Tensor type without depending on the Tensor module.
// Static imports, re-exports, side-effect imports and dynamic `import()` all count.

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

const IMPORT = /(?:^|[;\s])(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|(?:^|[;\s])import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** The modules of src/ that `file` imports at run time, as paths relative to src/. */
export function runtimeImports(file: string, text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
  const out: string[] = [];
  for (const m of code.matchAll(IMPORT)) {
    const [, , typeOnly, clause, fromSpec, bareSpec, dynamicSpec] = m;
    const spec = fromSpec ?? bareSpec ?? dynamicSpec;
    if (!spec.startsWith('.')) continue;
    if (typeOnly) continue;
    const names = /^\{([^}]*)\}$/.exec(clause?.trim() ?? '');
    if (names && names[1].split(',').map((s) => s.trim()).filter(Boolean).every((s) => s.startsWith('type '))) continue;
    out.push(relative(SRC, normalize(join(dirname(file), spec.replace(/\.js$/, '.ts')))));
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

describe('architecture', () => {
  it('finds cycles, and leaves type-only imports out of the graph (the checker checked)', () => {
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
    expect(runtimeImports(join(SRC, 'ops/x.ts'), text)).toEqual(['device/current.ts', 'ops/elementwise.ts', 'ops/methods.ts', 'io/safetensors.ts']);
  });

  it('src/ has no import cycle', () => {
    const graph = new Map<string, string[]>();
    for (const file of sources(SRC)) graph.set(relative(SRC, file), runtimeImports(file, readFileSync(file, 'utf8')));
    for (const [from, tos] of graph) for (const to of tos) expect(graph.has(to), `${from} imports ${to}, which does not exist`).toBe(true);
    const found = cycles(graph).map((c) => `${c.path.join(' → ')} (a cycle among ${c.modules.length} modules: ${c.modules.join(', ')})`);
    expect(found, `import cycles in src/:\n${found.join('\n')}`).toEqual([]);
  });
});

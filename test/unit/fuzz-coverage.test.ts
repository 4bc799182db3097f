// The fuzz table covers every public op: each runtime export of src/index.ts has an entry in
// test/kernels/fuzz/table.ts or an exclusion there with its reason. No device needed.
import { describe, expect, it } from 'vitest';
import * as wg from '../../src/index.js';
import { EXCLUDED, OP_TABLE } from '../kernels/fuzz/table.js';

describe('the fuzz table', () => {
  it('has an entry or a reasoned exclusion for every export of src/index.ts, and none for what is not exported', () => {
    const exported = Object.keys(wg).sort();
    const covered = new Set([...OP_TABLE.map((e) => e.name), ...EXCLUDED.map((e) => e.name)]);
    expect(exported.filter((name) => !covered.has(name)), 'exports with neither a fuzz entry nor an exclusion').toEqual([]);
    expect([...covered].filter((name) => !exported.includes(name)), 'entries for names src/index.ts does not export').toEqual([]);
    expect(EXCLUDED.every((e) => e.why.length > 10)).toBe(true);
  });

  it('names each op once, and each entry is one of the two', () => {
    const names = [...OP_TABLE.map((e) => e.name), ...EXCLUDED.map((e) => e.name)];
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
  });
});

import { beforeAll, describe, expect, it } from 'vitest';
import { adapterInfo, init, kernelPolicy, matmul, tensor, withPolicy, WebgradError } from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { describePolicy } from '../../src/runtime/policy.js';
import { initDefaultsGiven, randomValues, setupDevice } from '../helpers.js';

beforeAll(setupDevice);

describe('the kernel policy', () => {
  it('follows the adapter where init() is given none, with poisoning from the test setup', ({ skip }) => {
    if (initDefaultsGiven()) skip('init() was given a policy (test/device/run.ts --policy)');
    const p = kernelPolicy();
    const software = adapterInfo().software;
    expect(p.gemm).toBe(software ? 'texture' : 'workgroup');
    expect(p.conv).toBe(software ? 'winograd' : 'implicit');
    expect(p.sizing).toBe(software ? 'cpu' : 'gpu');
    expect(p.poison).toBe(true);
    expect(p.smallGemmMacs).toBe(software ? 2 ** 20 : 2 ** 16);
    expect(describePolicy(p)).toMatch(/^gemm \w+, conv \w+, sizing (cpu|gpu), binding limit device, .*poison on, autotune (on|off), small gemm ≤ \d+ MACs$/);
  });

  it('withPolicy changes it for a sync call and restores it, also when the call throws', () => {
    const before = kernelPolicy();
    expect(withPolicy({ gemm: 'registers', bindingLimit: 4096 }, () => [kernelPolicy().gemm, runtime().maxStorageBinding])).toEqual(['registers', 4096]);
    expect(kernelPolicy()).toBe(before);
    expect(() =>
      withPolicy({ conv: 'implicit' }, () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(kernelPolicy()).toBe(before);
  });

  it('withPolicy nests and restores after an async call settles, resolved or rejected', async () => {
    const before = kernelPolicy();
    const seen = await withPolicy({ textureGemm: { costScale: 0 } }, async () => {
      await Promise.resolve();
      const inner = withPolicy({ textureGemm: { orientation: 'transposed' } }, () => kernelPolicy().textureGemm);
      return [inner, kernelPolicy().textureGemm];
    });
    expect(seen).toEqual([{ costScale: 0, orientation: 'transposed' }, { costScale: 0, orientation: null }]);
    expect(kernelPolicy()).toBe(before);
    await expect(withPolicy({ poison: false }, async () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(kernelPolicy()).toBe(before);
  });

  it('every kernel choice reads it: the GEMM kernel a product dispatches', () => {
    const a = tensor(randomValues(64 * 64, 1), [64, 64]);
    const kernels = (changes: Parameters<typeof withPolicy>[0]) =>
      withPolicy({ ...changes, poison: false }, () => {
        const seen: string[] = [];
        const rt = runtime();
        const dispatch = rt.dispatch;
        rt.dispatch = (spec, args) => {
          seen.push(spec.files[spec.files.length - 1]);
          dispatch.call(rt, spec, args);
        };
        try {
          matmul(a, a).dispose();
        } finally {
          rt.dispatch = dispatch;
        }
        return seen;
      });
    expect(kernels({ gemm: 'registers', smallGemmMacs: 0 })).toEqual(['gemm']);
    expect(kernels({ gemm: 'texture', textureGemm: { costScale: 0 }, smallGemmMacs: 0 })).toContain('gemm_texture');
    // 64·64·64 multiply-adds: the small kernel under a policy that takes them, whatever the variant.
    expect(kernels({ gemm: 'registers', smallGemmMacs: 64 ** 3 })).toEqual(['gemm_small']);
    expect(kernels({ gemm: 'texture', textureGemm: { costScale: 0 }, smallGemmMacs: 64 ** 3 })).toEqual(['gemm_small']);
    a.dispose();
  });

  it('refuses a bad field with an error naming it, changing nothing', async () => {
    const before = kernelPolicy();
    const fn = () => 1;
    expect(() => withPolicy({ gemm: 'tiled' as 'registers' }, fn)).toThrow(/withPolicy: gemm must be one of "registers", "workgroup", "texture", got "tiled"/);
    expect(() => withPolicy({ bindingLimit: 1000 }, fn)).toThrow(/bindingLimit must be null or a positive multiple of 256 bytes, got 1000/);
    expect(() => withPolicy({ textureGemm: { costScale: -1 } }, fn)).toThrow(WebgradError);
    expect(() => withPolicy({ smallGemmMacs: 1.5 }, fn)).toThrow(/smallGemmMacs must be an integer >= 0, got 1.5/);
    expect(() => withPolicy({ gemmVariant: 'texture' } as object, fn)).toThrow(/unknown policy field 'gemmVariant'/);
    expect(kernelPolicy()).toBe(before);
    await expect(init({ sizing: 'fast' as 'cpu' })).rejects.toThrow(/init: sizing must be one of "cpu", "gpu", got "fast"/);
  });
});

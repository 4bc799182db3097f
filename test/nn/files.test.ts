// Checkpoint files under misuse: partial loads, missing folders, wrong files, stale temporaries.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as wg from '../../src/node.js';
import { runtime } from '../../src/device/current.js';
import { setupDevice } from '../helpers.js';

let dir: string;
beforeAll(async () => {
  await setupDevice();
  dir = await mkdtemp(join(tmpdir(), 'webgrad-files-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A pid that no process has now. */
function deadPid(): number {
  for (let pid = 4_000_000; ; pid--) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
}

describe('safetensors files under misuse', () => {
  it('a load that fails part-way leaves no tensor behind, and names the file and the tensor', async () => {
    const path = join(dir, 'two.safetensors');
    await writeFile(path, wg.encodeSafetensors({
      a: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) },
      b: { dtype: 'F32', shape: [64], data: new Float32Array(64) },
    }));
    const gpu = runtime().gpu;
    const limits = gpu.limits;
    // A device whose buffers hold at most 128 bytes: 'b' (256 bytes) cannot be created after 'a' was.
    const small = new Proxy(limits, { get: (t, k) => (k === 'maxBufferSize' ? 128 : (t as unknown as Record<string | symbol, unknown>)[k]) });
    Object.defineProperty(gpu, 'limits', { value: small, configurable: true });
    const before = wg.memory().liveBuffers;
    try {
      const error = await wg.loadSafetensors(path).then(() => null, (e: Error) => e);
      expect(error).toBeInstanceOf(wg.WebgradError);
      expect(error!.message).toMatch(/loadSafetensors: tensor 'b' of '.*two\.safetensors': .*needs 256 bytes.*maxBufferSize of 128 bytes/);
    } finally {
      delete (gpu as unknown as Record<string, unknown>).limits;
    }
    expect(wg.memory().liveBuffers).toBe(before);
    const { tensors } = await wg.loadSafetensors(path);
    expect(Object.keys(tensors).sort()).toEqual(['a', 'b']);
    for (const t of Object.values(tensors)) t.dispose();
  });

  it('loading wrong files: each error is a WebgradError naming the file', async () => {
    const json = join(dir, 'config.json');
    await writeFile(json, '{"model": "alexnet"}');
    const empty = join(dir, 'empty.safetensors');
    await writeFile(empty, '');
    const folder = join(dir, 'a-folder');
    await mkdir(folder);
    const lying = join(dir, 'lying.safetensors');
    const good = wg.encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1, 2]) } });
    await writeFile(lying, good.subarray(0, good.length - 4));
    const cases: [string, RegExp][] = [
      [json, /config\.json/],
      [empty, /too short.*empty\.safetensors/],
      [folder, /cannot read '.*a-folder'/],
      [join(dir, 'nowhere.safetensors'), /cannot read '.*nowhere\.safetensors'/],
      [lying, /tensor 'w'.*lying\.safetensors/],
    ];
    const before = wg.memory().liveBuffers;
    for (const [path, pattern] of cases) {
      const error = await wg.loadSafetensors(path).then(() => null, (e: Error) => e);
      expect(error, path).toBeInstanceOf(wg.WebgradError);
      expect(error!.message).toMatch(pattern);
    }
    await expect(wg.loadSafetensors(undefined as never)).rejects.toThrow(/loadSafetensors: path must be a non-empty string, got undefined/);
    expect(wg.memory().liveBuffers).toBe(before);
  });

  it('saving into a missing folder is a clear error before any GPU readback', async () => {
    const t = wg.ones([3]);
    const reads = runtime().counters.readbacks;
    const path = join(dir, 'no', 'such', 'folder', 'ckpt.safetensors');
    await expect(wg.saveSafetensors(path, { t })).rejects.toThrow(/saveSafetensors: cannot write '.*ckpt\.safetensors': the folder '.*folder' does not exist/);
    await expect(wg.saveSafetensors(dir, { t })).rejects.toThrow(/cannot write '.*': it is a folder/);
    await expect(wg.saveSafetensors(join(dir, 'x.safetensors'), { t }, { epoch: 1 as never })).rejects.toThrow(/metadata 'epoch' must be a string, got number/);
    await expect(wg.saveSafetensors(join(dir, 'x.safetensors'), [t] as never)).rejects.toThrow(/tensors must be a record of named tensors, got an array/);
    expect(runtime().counters.readbacks).toBe(reads);
    t.dispose();
  });

  it('stale temporaries of the same target, left by a killed writer, are removed by the next save', async () => {
    const target = join(dir, 'model.safetensors');
    const stale = `.model.safetensors.${deadPid()}.k1ll3d.tmp`;
    const ours = `.model.safetensors.${process.pid}.inflight.tmp`;
    const otherTarget = `.other.safetensors.${deadPid()}.k1ll3d.tmp`;
    for (const name of [stale, ours, otherTarget]) await writeFile(join(dir, name), 'partial');
    const t = wg.ones([2]);
    await wg.saveSafetensors(target, { t });
    const left = await readdir(dir);
    expect(left).toContain('model.safetensors');
    expect(left).not.toContain(stale);
    // A temporary of a live writer (this process) and another target's are not ours to remove.
    expect(left).toContain(ours);
    expect(left).toContain(otherTarget);
    t.dispose();
  });
});

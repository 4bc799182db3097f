import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setupDevice } from '../helpers.js';
import { readTensors, tensor, WebgradError } from '../../src/index.js';
import { decodeSafetensors, encodeSafetensors, type HostTensor } from '../../src/io/safetensors-format.js';
import { loadSafetensors, saveSafetensors } from '../../src/io/safetensors.js';

// Lets a test make the final rename of an atomic write fail, as a crash between write and rename would.
const failRename = vi.hoisted(() => ({ on: false }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...actual,
    rename: async (from: string, to: string) => {
      if (failRename.on) throw Object.assign(new Error('EIO: simulated failure, rename'), { code: 'EIO' });
      return actual.rename(from, to);
    },
  };
});

const le32 = (v: number, float: boolean): number[] => {
  const b = new Uint8Array(4);
  const d = new DataView(b.buffer);
  if (float) d.setFloat32(0, v, true);
  else d.setInt32(0, v, true);
  return [...b];
};

/** A file assembled field by field, as the reference (Rust) implementation lays it out. */
function handMadeFile(): Uint8Array {
  const json =
    '{"__metadata__":{"format":"pt"},' +
    '"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
    '"b":{"dtype":"I32","shape":[2],"data_offsets":[16,24]}}';
  const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
  const n = padded.length;
  const bytes = [n & 0xff, (n >> 8) & 0xff, 0, 0, 0, 0, 0, 0, ...new TextEncoder().encode(padded)];
  for (const v of [1, -2.5, 0.125, 3e-7]) bytes.push(...le32(v, true));
  for (const v of [7, -2]) bytes.push(...le32(v, false));
  return Uint8Array.from(bytes);
}

/** A header-plus-data file built from a raw header object, to make headers lie. */
function withHeader(header: unknown, dataBytes: number, rawLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + dataBytes);
  new DataView(out.buffer).setBigUint64(0, rawLength ?? BigInt(json.length), true);
  out.set(json, 8);
  return out;
}

describe('safetensors format (no device)', () => {
  const sample: Record<string, HostTensor> = {
    b: { dtype: 'I32', shape: [2], data: Int32Array.from([7, -2]) },
    a: { dtype: 'F32', shape: [2, 2], data: Float32Array.from([1, -2.5, 0.125, 3e-7]) },
  };

  it('writes the same bytes as the reference implementation', () => {
    const expected = handMadeFile();
    expect((expected.length - 8 - 24) % 8).toBe(0);
    expect([...encodeSafetensors(sample, { format: 'pt' })]).toEqual([...expected]);
  });

  it('reads a hand-made file', () => {
    const { tensors, metadata } = decodeSafetensors(handMadeFile());
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.a.dtype).toBe('F32');
    expect(tensors.a.shape).toEqual([2, 2]);
    expect([...tensors.a.data]).toEqual([...Float32Array.from([1, -2.5, 0.125, 3e-7])]);
    expect(tensors.b.dtype).toBe('I32');
    expect([...tensors.b.data]).toEqual([7, -2]);
  });

  it('round-trips scalars, empty tensors and no metadata', () => {
    const bytes = encodeSafetensors({
      s: { dtype: 'F32', shape: [], data: Float32Array.from([Math.PI]) },
      e: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
      i: { dtype: 'I32', shape: [3, 1], data: Int32Array.from([-(2 ** 31), 0, 2 ** 31 - 1]) },
    });
    expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n);
    const { tensors, metadata } = decodeSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(tensors.s.shape).toEqual([]);
    expect(tensors.s.data[0]).toBe(Math.fround(Math.PI));
    expect(tensors.e.shape).toEqual([0, 3]);
    expect([...tensors.i.data]).toEqual([-(2 ** 31), 0, 2 ** 31 - 1]);
  });

  const entry = (dtype: string, shape: number[], begin: number, end: number) => ({ dtype, shape, data_offsets: [begin, end] });
  const lies: [string, Uint8Array, RegExp][] = [
    ['offsets past the end', withHeader({ w: entry('F32', [4], 0, 16) }, 8), /'w'.*run past the end of the data \(8 bytes\)/],
    ['overlapping offsets', withHeader({ x: entry('F32', [2], 0, 8), y: entry('F32', [2], 4, 12) }, 12), /'y'.*overlaps tensor 'x'/],
    ['reversed offsets', withHeader({ r: entry('F32', [0], 8, 4) }, 8), /'r'.*end before they begin/],
    ['a gap between tensors', withHeader({ g: entry('F32', [1], 4, 8) }, 8), /'g' starts at byte 4.*gap/],
    ['unknown dtype', withHeader({ u: entry('F33', [1], 0, 4) }, 4), /'u': unknown dtype "F33"/],
    ['unsupported dtype', withHeader({ h: entry('F16', [2], 0, 4) }, 4), /'h': dtype "F16" is not supported/],
    ['shape that disagrees with the bytes', withHeader({ s: entry('F32', [3], 0, 8) }, 8), /'s': shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/],
    ['bad shape', withHeader({ s: entry('F32', [-1], 0, 4) }, 4), /'s': shape \[-1\]/],
    ['header length past the file', withHeader({}, 0, 1000n), /header length 1000 runs past the end of the file/],
    ['trailing data no tensor claims', withHeader({ t: entry('I32', [1], 0, 4) }, 12), /cover 4 bytes of data but the file holds 12/],
    ['a header that is not JSON', (() => { const b = withHeader({}, 0); b[8] = 0x5b; return b; })(), /not valid UTF-8 JSON/],
    ['non-string metadata', withHeader({ __metadata__: { epoch: 3 } }, 0), /metadata 'epoch' must be a string/],
    ['a file shorter than the length field', new Uint8Array(5), /too short/],
  ];
  for (const [what, bytes, message] of lies) {
    it(`refuses ${what}`, () => {
      expect(() => decodeSafetensors(bytes)).toThrow(WebgradError);
      expect(() => decodeSafetensors(bytes)).toThrow(message);
    });
  }

  it('refuses to encode a tensor whose data does not match its shape', () => {
    expect(() => encodeSafetensors({ w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/'w' has 2 elements but shape \[3\] needs 3/);
    expect(() => encodeSafetensors({ k: { dtype: 'I32', shape: [1], data: new Float32Array(1) } })).toThrow(/'k' is I32 but its data is a Float32Array/);
  });
});

describe('safetensors files (device)', () => {
  let dir: string;
  beforeAll(async () => {
    await setupDevice();
    dir = await mkdtemp(join(tmpdir(), 'webgrad-st-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips GPU tensors and metadata through a file', async () => {
    const path = join(dir, 'model.safetensors');
    const w = tensor([0.5, -1.25, 3, 1e-3, 7, -8], [2, 3]);
    const steps = tensor([3, -4, 5], [3], { dtype: 'int32' });
    await saveSafetensors(path, { 'conv1.weight': w, steps }, { epoch: '4', format: 'pt' });
    const { tensors, metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '4', format: 'pt' });
    expect(tensors['conv1.weight'].shape).toEqual([2, 3]);
    expect(tensors['conv1.weight'].dtype).toBe('float32');
    expect([...(await tensors['conv1.weight'].toArray())]).toEqual([...Float32Array.from([0.5, -1.25, 3, 1e-3, 7, -8])]);
    expect(tensors.steps.dtype).toBe('int32');
    expect([...(await tensors.steps.toArray())]).toEqual([3, -4, 5]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('writes tensors read back with readTensors as they are, beside GPU ones, the same bytes', async () => {
    const w = tensor([0.5, -1.25, 3, 1e-3, 7, -8], [2, 3]);
    const steps = tensor([3, -4, 5], [3], { dtype: 'int32' });
    const host = await readTensors({ 'conv1.weight': w });
    expect(host['conv1.weight']).toEqual({ dtype: 'F32', shape: [2, 3], data: Float32Array.from([0.5, -1.25, 3, 1e-3, 7, -8]) });
    const mixed = join(dir, 'mixed.safetensors');
    const gpu = join(dir, 'gpu.safetensors');
    await saveSafetensors(mixed, { 'conv1.weight': host['conv1.weight'], steps }, { epoch: '1' });
    await saveSafetensors(gpu, { 'conv1.weight': w, steps }, { epoch: '1' });
    expect(await readFile(mixed)).toEqual(await readFile(gpu));
    await expect(saveSafetensors(mixed, { bad: { dtype: 'F32', shape: [4], data: new Float32Array(3) } })).rejects.toThrow(/tensor 'bad' has 3 elements but shape \[4\] needs 4/);
    await expect(saveSafetensors(mixed, { bad: [1, 2] as never })).rejects.toThrow(/tensor 'bad' must be a Tensor/);
  });

  it('loads a hand-made reference file', async () => {
    const path = join(dir, 'ref.safetensors');
    await writeFile(path, handMadeFile());
    const { tensors } = await loadSafetensors(path);
    expect([...(await tensors.b.toArray())]).toEqual([7, -2]);
  });

  it('names the file when its header lies', async () => {
    const path = join(dir, 'liar.safetensors');
    await writeFile(path, withHeader({ w: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, 8));
    await expect(loadSafetensors(path)).rejects.toThrow(/'w'.*run past the end.*liar\.safetensors/);
    await expect(loadSafetensors(join(dir, 'missing.safetensors'))).rejects.toThrow(/cannot read '.*missing\.safetensors'/);
  });

  it('leaves the previous file intact when a save is interrupted', async () => {
    const path = join(dir, 'ckpt.safetensors');
    await saveSafetensors(path, { w: tensor([1, 2, 3]) }, { epoch: '1' });
    const before = await readFile(path);
    failRename.on = true;
    try {
      await expect(saveSafetensors(path, { w: tensor([9, 9, 9, 9]) }, { epoch: '2' })).rejects.toThrow(/simulated failure/);
    } finally {
      failRename.on = false;
    }
    expect(Buffer.compare(await readFile(path), before)).toBe(0);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const { metadata } = await loadSafetensors(path);
    expect(metadata).toEqual({ epoch: '1' });
  });

  it('refuses a disposed tensor before writing anything', async () => {
    const path = join(dir, 'never.safetensors');
    const t = tensor([1]);
    t.dispose();
    await expect(saveSafetensors(path, { t })).rejects.toThrow(/tensor 't'.*after dispose/);
    expect((await readdir(dir)).includes('never.safetensors')).toBe(false);
  });
});

/**
 * The safetensors format (https://github.com/huggingface/safetensors), encoded and decoded on plain
 * byte arrays, so that it works without a device and without Node:
 *
 *   u64 little-endian N | N bytes of JSON header, padded with spaces | raw little-endian data
 *
 * The header maps each tensor's name to `{dtype, shape, data_offsets: [begin, end]}` (offsets are
 * relative to the start of the data) and may hold `__metadata__`, a string-to-string map. The
 * encoder lays tensors out as the reference implementation does (by dtype, larger first, then by
 * name), so a file of F32/I32 tensors is byte for byte what `safetensors.torch.save_file` writes.
 * The decoder checks every claim the header makes, as the reference does: the data must be covered
 * exactly, without gaps or overlaps, and each tensor's byte count must match its shape.
 */
import { WebgradError } from '../errors.js';

export type SafetensorsDType = 'F32' | 'I32';

/** A tensor on the CPU: float32 data for F32, int32 data for I32. */
export interface HostTensor {
  dtype: SafetensorsDType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface DecodedSafetensors {
  tensors: Record<string, HostTensor>;
  metadata: Record<string, string>;
}

const DTYPE_BYTES: Record<SafetensorsDType, number> = { F32: 4, I32: 4 };
/** The reference's dtype order (an enum that derives Ord); the encoder sorts by it, largest first. */
const DTYPE_RANK: Record<SafetensorsDType, number> = { I32: 13, F32: 15 };
/** Dtypes of the format that webgrad does not hold, so that the error can say so instead of "unknown". */
const OTHER_DTYPES = new Set(['BOOL', 'U8', 'I8', 'I16', 'U16', 'F16', 'BF16', 'U32', 'F64', 'I64', 'U64', 'F8_E5M2', 'F8_E4M3']);
const METADATA_KEY = '__metadata__';
/** The reference refuses headers above 100 MB; so do we, before trying to parse one. */
const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const fail = (message: string): never => {
  throw new WebgradError(`webgrad: safetensors: ${message}`);
};

/** Encodes tensors (and optional string metadata) into the bytes of a .safetensors file. */
export function encodeSafetensors(tensors: Record<string, HostTensor>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors);
  for (const name of names) {
    if (name === METADATA_KEY) fail(`'${METADATA_KEY}' is reserved and cannot name a tensor`);
    const t = tensors[name];
    if (!(t.dtype in DTYPE_BYTES)) fail(`tensor '${name}' has dtype ${String(t.dtype)}; only F32 and I32 are written`);
    if (!(t.dtype === 'F32' ? t.data instanceof Float32Array : t.data instanceof Int32Array)) {
      fail(`tensor '${name}' is ${t.dtype} but its data is a ${t.data?.constructor?.name}; F32 takes a Float32Array, I32 an Int32Array`);
    }
    const expected = t.shape.reduce((n, d) => n * d, 1);
    if (t.data.length !== expected) fail(`tensor '${name}' has ${t.data.length} elements but shape [${t.shape.join(', ')}] needs ${expected}`);
  }
  names.sort((a, b) => DTYPE_RANK[tensors[b].dtype] - DTYPE_RANK[tensors[a].dtype] || (a < b ? -1 : a > b ? 1 : 0));

  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) {
    const sorted: Record<string, string> = {};
    for (const key of Object.keys(metadata).sort()) {
      if (typeof metadata[key] !== 'string') fail(`metadata '${key}' must be a string, got ${typeof metadata[key]}`);
      sorted[key] = metadata[key];
    }
    header[METADATA_KEY] = sorted;
  }
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    const bytes = t.data.length * DTYPE_BYTES[t.dtype];
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerBytes = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerBytes + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerBytes), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const name of names) {
    const t = tensors[name];
    if (LITTLE_ENDIAN) {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
      at += t.data.byteLength;
      continue;
    }
    // Typed arrays use the platform's byte order: on a big-endian one, write through a DataView.
    for (let i = 0; i < t.data.length; i++, at += 4) {
      if (t.dtype === 'F32') view.setFloat32(at, t.data[i], true);
      else view.setInt32(at, t.data[i], true);
    }
  }
  return out;
}

/** Decodes the bytes of a .safetensors file; throws a WebgradError naming the tensor and the problem when the header lies. */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (bytes.length < 8) fail(`file of ${bytes.length} bytes is too short to hold the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) fail(`header length ${n} runs past the end of the file (${bytes.length - 8} bytes after the length)`);
  const headerBytes = Number(n);
  if (headerBytes > MAX_HEADER_BYTES) fail(`header length ${headerBytes} exceeds the ${MAX_HEADER_BYTES}-byte limit`);

  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerBytes)));
  } catch (error) {
    fail(`header is not valid UTF-8 JSON (${(error as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('header is not a JSON object');
  const entries = header as Record<string, unknown>;

  const metadata: Record<string, string> = {};
  const rawMeta = entries[METADATA_KEY];
  if (rawMeta !== undefined && rawMeta !== null) {
    if (typeof rawMeta !== 'object' || Array.isArray(rawMeta)) fail(`'${METADATA_KEY}' must be an object of strings`);
    for (const [key, value] of Object.entries(rawMeta as Record<string, unknown>)) {
      if (typeof value !== 'string') fail(`metadata '${key}' must be a string, got ${JSON.stringify(value)}`);
      metadata[key] = value as string;
    }
  }

  const dataStart = 8 + headerBytes;
  const dataBytes = bytes.length - dataStart;
  const infos: { name: string; dtype: SafetensorsDType; shape: number[]; begin: number; end: number }[] = [];
  for (const [name, raw] of Object.entries(entries)) {
    if (name === METADATA_KEY) continue;
    infos.push({ name, ...checkEntry(name, raw, dataBytes) });
  }

  // The tensors must tile the data exactly: sorted by start, each begins where the previous ended.
  const sorted = [...infos].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let expected = 0;
  let previous = '';
  for (const t of sorted) {
    if (t.begin < expected) fail(`tensor '${t.name}' (bytes ${t.begin}..${t.end}) overlaps tensor '${previous}' (ends at ${expected})`);
    if (t.begin > expected) fail(`tensor '${t.name}' starts at byte ${t.begin} but the previous tensor ends at ${expected}: the data has a gap`);
    expected = t.end;
    previous = t.name;
  }
  if (expected !== dataBytes) fail(`the tensors cover ${expected} bytes of data but the file holds ${dataBytes} after the header`);

  const tensors: Record<string, HostTensor> = {};
  for (const t of infos) {
    const count = (t.end - t.begin) / DTYPE_BYTES[t.dtype];
    const data = t.dtype === 'F32' ? new Float32Array(count) : new Int32Array(count);
    const base = dataStart + t.begin;
    if (LITTLE_ENDIAN) {
      // A copy, not a view: the data need not be 4-byte aligned in the file.
      new Uint8Array(data.buffer).set(bytes.subarray(base, base + count * 4));
    } else {
      for (let i = 0; i < count; i++) data[i] = t.dtype === 'F32' ? view.getFloat32(base + 4 * i, true) : view.getInt32(base + 4 * i, true);
    }
    tensors[t.name] = { dtype: t.dtype, shape: t.shape, data };
  }
  return { tensors, metadata };
}

function checkEntry(name: string, raw: unknown, dataBytes: number): { dtype: SafetensorsDType; shape: number[]; begin: number; end: number } {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(`tensor '${name}': entry is not an object`);
  const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== 'string') fail(`tensor '${name}': dtype is missing`);
  if (!(dtype as string in DTYPE_BYTES)) {
    const known = OTHER_DTYPES.has(dtype as string);
    fail(`tensor '${name}': ${known ? 'dtype' : 'unknown dtype'} ${JSON.stringify(dtype)}${known ? ' is not supported' : ''} (webgrad reads F32 and I32)`);
  }
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    fail(`tensor '${name}': shape ${JSON.stringify(shape)} is not a list of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
    fail(`tensor '${name}': data_offsets ${JSON.stringify(offsets)} is not a pair of non-negative integers`);
  }
  const [begin, end] = offsets as number[];
  if (end < begin) fail(`tensor '${name}': data_offsets [${begin}, ${end}] end before they begin`);
  if (end > dataBytes) fail(`tensor '${name}': data_offsets [${begin}, ${end}] run past the end of the data (${dataBytes} bytes)`);
  const dims = shape as number[];
  const elements = dims.reduce((n, d) => n * d, 1);
  const needed = elements * DTYPE_BYTES[dtype as SafetensorsDType];
  if (needed !== end - begin) {
    fail(`tensor '${name}': shape [${dims.join(', ')}] of ${dtype} needs ${needed} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { dtype: dtype as SafetensorsDType, shape: [...dims], begin, end };
}

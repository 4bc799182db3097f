import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The GPU kit's probe (tools/gpu-kit/probe.ts), run as lease1.sh runs it (a process of its own, as
// Dawn's instance flags are fixed once per process), on whatever adapter this machine has.
const dir = mkdtempSync(join(tmpdir(), 'probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function probe(...args: string[]): { status: number | null; json: Record<string, any>; lines: string[] } {
  const file = join(dir, `${args.join('_').replace(/\W/g, '') || 'default'}.json`);
  const jsonl = join(dir, 'probe.jsonl');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'tools/gpu-kit/probe.ts', ...args, '--json', file, '--jsonl', jsonl], { encoding: 'utf8' });
  if (r.status !== 0 && r.status !== 1) throw new Error(r.stderr);
  return { status: r.status, json: JSON.parse(readFileSync(file, 'utf8')), lines: readFileSync(jsonl, 'utf8').trim().split('\n') };
}

describe('the GPU kit probe', () => {
  it("merges Dawn's toggles into one flag beside webgrad's, and reports subgroup sizes, features, limits and the device granted", () => {
    const { status, json, lines } = probe();
    expect(status).toBe(0);
    expect(json.flags).toEqual(['disable-dawn-features=timestamp_quantization', 'enable-dawn-features=allow_unsafe_apis,vulkan_enable_f16_on_nvidia']);
    expect(json.info.subgroupMinSize).toBeGreaterThan(0);
    expect(json.info.subgroupMaxSize).toBeGreaterThanOrEqual(json.info.subgroupMinSize);
    expect(Array.isArray(json.info.subgroupMatrixConfigs)).toBe(true);
    expect(json.features).toContain('timestamp-query');
    expect(json.features).toEqual([...json.features].sort());
    expect(json.limits.maxStorageBufferBindingSize).toBeGreaterThan(0);
    expect(json.device).toMatchObject({ granted: true });
    expect(JSON.parse(lines[lines.length - 1])).toEqual(json);
  }, 60_000);

  it("probes the instance as webgrad's init() makes it with --toggles '', and refuses a software adapter with --require-gpu", () => {
    const { status, json } = probe('--toggles', '', '--require-gpu');
    expect(json.flags).toEqual(['disable-dawn-features=timestamp_quantization']);
    expect(status).toBe(json.software ? 1 : 0);
  }, 60_000);
});

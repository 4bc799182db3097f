import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSafetensors, memory } from '../../src/node.js';
import { parseConfig, run } from '../../examples/gpt/main.js';
import { setupDevice } from '../helpers.js';

beforeAll(setupDevice);
const dir = mkdtempSync(join(tmpdir(), 'webgrad-gpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('examples/gpt', () => {
  it('trains briefly, logs held-out answers, and writes a checkpoint with PyTorch names, metrics and logits', async () => {
    const config = parseConfig(['--steps', '40', '--eval-every', '40', '--layers', '1', '--embed', '16', '--heads', '2', '--batch', '16', '--warmup', '5', '--out', dir])!;
    const lines: string[] = [];
    const before = memory().liveBuffers;
    const acc = await run(config, (line) => lines.push(line));
    expect(memory().liveBuffers).toBe(before);
    expect(acc).toBeGreaterThanOrEqual(0);
    expect(acc).toBeLessThanOrEqual(1);
    expect(lines[0]).toMatch(/^task sort: 584 training problems, 145 held out; \d+ parameters$/);
    expect(lines.at(-1)).toMatch(/^step 40: loss \d\.\d{4}, held-out accuracy \d+\.\d% .*; [0-2]{6} → [0-2]{6}/);
    const metrics = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.map((m) => m.step)).toEqual([20, 40]);
    // The loss falls from ln 3 (chance over three digits) within 40 steps.
    expect(metrics[1].loss).toBeLessThan(Math.log(3) * 0.9);
    const { tensors, metadata } = await loadSafetensors(join(dir, 'model.safetensors'));
    expect(Object.keys(tensors)).toEqual(expect.arrayContaining(['wte.weight', 'wpe.weight', 'blocks.0.self_attn.in_proj_weight', 'blocks.0.linear2.bias', 'ln_f.weight', 'head.weight']));
    expect(tensors['wte.weight'].shape).toEqual([3, 16]);
    expect(JSON.parse(metadata.config)).toMatchObject({ task: 'sort', layers: 1, embed: 16 });
    for (const t of Object.values(tensors)) t.dispose();
    const logits = JSON.parse(readFileSync(join(dir, 'logits.json'), 'utf8'));
    expect(logits.shape).toEqual([8, 11, 3]);
    expect(logits.logits).toHaveLength(8 * 11 * 3);
  }, 300_000);

  it('refuses bad options before any work', () => {
    expect(() => parseConfig(['--task', 'reverse'])).toThrow(/--task must be one of sort, add, got 'reverse'/);
    expect(() => parseConfig(['--embed', '10', '--heads', '4'])).toThrow(/--embed 10 must be divisible by --heads 4/);
    expect(() => parseConfig(['--warmup', '50', '--steps', '10'])).toThrow(/--warmup 50 must not exceed --steps 10/);
    expect(parseConfig(['--help'])).toBeNull();
  });
});

// scripts/setup.sh's driver detection against fake ICD folders (WEBGRAD_ICD_DIRS), with `id`, `apt-get`
// and `npm` replaced by scripts that record their calls: a present lavapipe is found wherever Mesa
// put it, apt never runs then, and a user who is not root gets through to `npm ci`.
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const SETUP = join(import.meta.dirname, '..', '..', 'scripts', 'setup.sh');
const root = mkdtempSync(join(tmpdir(), 'webgrad-setup-'));
const bin = join(root, 'bin');
const calls = join(root, 'calls.log');
mkdirSync(bin);
const fake = (name: string, body: string) => {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
};
fake('apt-get', `echo "apt-get $*" >> ${calls}; exit 1`);
fake('npm', `echo "npm $*" >> ${calls}`);
fake('id', 'echo "${FAKE_UID:-1000}"');

const folder = (name: string, files: string[]) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const f of files) writeFileSync(join(dir, f), '{"file_format_version": "1.0.0", "ICD": {"library_path": "libvulkan_lvp.so"}}');
  return dir;
};
const mesa = folder('usr-share', ['radeon_icd.json', 'lvp_icd.x86_64.json']);
const emptyEtc = folder('etc-empty', []);
const nothing = folder('nothing', []);

function setup(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; calls: string[] }> {
  rmSync(calls, { force: true });
  const base = { ...process.env };
  delete base.VK_DRIVER_FILES;
  delete base.VK_ICD_FILENAMES;
  return new Promise((resolve) => {
    execFile('bash', [SETUP, ...args], { env: { ...base, PATH: `${bin}:${process.env.PATH}`, ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      const made = existsSync(calls) ? readFileSync(calls, 'utf8').split('\n').filter(Boolean) : [];
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, calls: made });
    });
  });
}

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('scripts/setup.sh', () => {
  it('finds lavapipe in /usr/share when /etc/vulkan/icd.d is empty, without root and without apt', async () => {
    const r = await setup(['--check-driver'], { WEBGRAD_ICD_DIRS: `${emptyEtc} ${mesa}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(`setup: Vulkan driver ${join(mesa, 'lvp_icd.x86_64.json')}`);
    expect(r.calls).toEqual([]);
  });

  it('as a user who is not root, with the driver present, goes on to npm ci and never to apt', async () => {
    const r = await setup([], { WEBGRAD_ICD_DIRS: `${emptyEtc} ${mesa}`, FAKE_UID: '1000' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['npm ci --no-audit --no-fund']);
  });

  it('as root, with the driver present, never runs apt', async () => {
    const r = await setup([], { WEBGRAD_ICD_DIRS: mesa, FAKE_UID: '0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual(['npm ci --no-audit --no-fund']);
  });

  it('takes the driver the environment names (VK_DRIVER_FILES, a folder or files; VK_ICD_FILENAMES)', async () => {
    const own = folder('own', ['nvidia_icd.json']);
    const envs: Record<string, string>[] = [{ VK_DRIVER_FILES: own }, { VK_DRIVER_FILES: `/missing.json:${join(own, 'nvidia_icd.json')}` }, { VK_ICD_FILENAMES: join(own, 'nvidia_icd.json') }];
    for (const env of envs) {
      const r = await setup(['--check-driver'], { WEBGRAD_ICD_DIRS: nothing, ...env });
      expect(r.stdout.trim(), JSON.stringify(env)).toBe(`setup: Vulkan driver ${join(own, 'nvidia_icd.json')}`);
    }
    // A variable naming nothing that exists is no driver, whatever the folders hold.
    const r = await setup(['--check-driver'], { WEBGRAD_ICD_DIRS: mesa, VK_ICD_FILENAMES: '/missing.json' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('setup: no Vulkan driver found (ICD files in VK_ICD_FILENAMES=/missing.json)');
  });

  it('without a driver: --check-driver says where it looked; a user who is not root is told to run it as root; no apt', async () => {
    const check = await setup(['--check-driver'], { WEBGRAD_ICD_DIRS: `${emptyEtc} ${nothing}`, FAKE_UID: '0' });
    expect(check.code).toBe(1);
    expect(check.stderr.trim()).toBe(`setup: no Vulkan driver found (ICD files in ${emptyEtc} ${nothing})`);
    const user = await setup([], { WEBGRAD_ICD_DIRS: nothing });
    expect(user.code).toBe(1);
    expect(user.stderr).toMatch(/^setup: no Vulkan driver found .*; run this as root to install Mesa's lavapipe/);
    expect([...check.calls, ...user.calls]).toEqual([]);
  });

  it('answers an unknown option in one line with exit 2', async () => {
    const r = await setup(['--bogus'], { WEBGRAD_ICD_DIRS: mesa });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('setup: unknown option --bogus (usage: setup.sh [--browser] [--check-driver])\n');
    expect(r.calls).toEqual([]);
  });
});

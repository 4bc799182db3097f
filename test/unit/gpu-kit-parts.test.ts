import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// How lease 2 moves CIFAR-10 to the GPU machine (tools/gpu-kit/data-parts.sh): split here into one
// part a call, each received there and checked by MD5 before the last call joins and extracts them.
// The script runs from a copy in a scratch root, so a developer's prepared .gpu-data/ is untouched.
const root = mkdtempSync(join(tmpdir(), 'gpu-kit-parts-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
mkdirSync(join(root, 'tools/gpu-kit'), { recursive: true });
copyFileSync('tools/gpu-kit/data-parts.sh', join(root, 'tools/gpu-kit/data-parts.sh'));

const parts = join(root, '.gpu-data/cifar-parts');
const aside = join(root, 'aside');

function dataParts(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('bash', [join(root, 'tools/gpu-kit/data-parts.sh'), ...args], { encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

/** Puts part NN where the device tool would carry it, as a call does. */
function carry(nn: string): void {
  copyFileSync(join(aside, `cifar10.part.${nn}`), join(parts, `cifar10.part.${nn}`));
}

describe("the GPU kit's data parts", () => {
  // A stand-in archive: a cifar-10-batches-bin folder with incompressible contents, 9,100 bytes.
  const src = join(root, 'src/cifar-10-batches-bin');
  mkdirSync(src, { recursive: true });
  const batch = randomBytes(8000);
  writeFileSync(join(src, 'data_batch_1.bin'), batch);
  const archive = join(root, 'src/cifar.tar');
  spawnSync('tar', ['-C', join(root, 'src'), '-cf', archive, 'cifar-10-batches-bin']);
  const length = statSync(archive).size;

  it('splits into parts of the sizes asked, the last size repeated, with every MD5', () => {
    const r = dataParts('split', archive, '3000', '4K');
    expect(r.status).toBe(0);
    const names = readdirSync(parts).filter((f) => f.startsWith('cifar10.part.')).sort();
    const sizes = names.map((f) => statSync(join(parts, f)).size);
    expect(sizes.slice(0, -1)).toEqual([3000, ...Array(names.length - 2).fill(4096)]);
    expect(sizes.reduce((a, b) => a + b)).toBe(length);
    expect(sizes.at(-1)!).toBeLessThanOrEqual(4096);
    const md5 = readFileSync(join(parts, 'cifar10.md5'), 'utf8').trim().split('\n');
    expect(md5.map((l) => l.split(/\s+/)[1])).toEqual([...names, 'cifar.tar']);
    mkdirSync(aside);
    for (const f of names) renameSync(join(parts, f), join(aside, f));
  });

  it('refuses a call whose earlier part never arrived (exit 3), and a corrupt part (exit 1, removed)', () => {
    carry('01');
    const early = dataParts('receive', '00', '01');
    expect(early.status).toBe(3);
    expect(early.out).toContain('missing cifar10.part.00');
    rmSync(join(root, '.gpu-data/cifar10'), { recursive: true, force: true });

    carry('00');
    expect(dataParts('receive', '00').status).toBe(0);
    carry('01');
    const file = join(parts, 'cifar10.part.01');
    const bytes = readFileSync(file);
    bytes[10] ^= 0xff;
    writeFileSync(file, bytes);
    const bad = dataParts('receive', '00', '01');
    expect(bad.status).toBe(1);
    expect(bad.out).toContain('MD5 mismatch, removed: cifar10.part.01');
    expect(existsSync(join(root, '.gpu-data/cifar10/cifar10.part.01'))).toBe(false);
  });

  it('joins and extracts once every part is there, byte for byte', () => {
    const names = readdirSync(aside).sort();
    for (const f of names) carry(f.slice(-2));
    expect(dataParts('receive').status).toBe(0);
    const folder = dataParts('folder');
    expect(folder.status).toBe(0);
    expect(readFileSync(join(folder.out.trim(), 'data_batch_1.bin')).equals(batch)).toBe(true);
  });
});

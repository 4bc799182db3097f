import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
// init(), one readback printed on standard output, then a line of our own on standard error.
const script =
  "import('./src/node.ts').then(async (w) => { await w.init(); console.log('values', ...(await w.tensor([1, 2], [2]).toArray())); process.stderr.write('after init\\n'); await w.release(); })";
const node = (stdio: ('pipe' | 'ignore' | number)[], command = process.execPath, args = ['--import', 'tsx', '-e', script]) =>
  spawnSync(command, args, { cwd: root, encoding: 'utf8', timeout: 60_000, stdio, env: { ...process.env, SCRIPT: script } });

/** Runs the script with standard output and error both on a file opened with `flags`, and returns the file. */
function intoFile(flags: 'a' | 'w'): string {
  const dir = mkdtempSync(join(tmpdir(), 'webgrad-quiet-'));
  try {
    const path = join(dir, 'out.txt');
    const fd = openSync(path, flags);
    const r = node(['ignore', fd, fd]);
    closeSync(fd);
    expect(r.status).toBe(0);
    return readFileSync(path, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Dawn prints two notes on clamped limits from native code when it first looks for adapters
// (on lavapipe); init() points standard error away meanwhile where it can put it back faithfully.
describe('init() prints nothing of its own', () => {
  it('with standard error on a pipe (a terminal is handled alike)', () => {
    const r = node(['ignore', 'pipe', 'pipe'], 'sh', ['-c', `"${process.execPath}" --import tsx -e "$SCRIPT" 2>&1 | cat`]);
    expect(r.stdout).toBe('values 1 2\nafter init\n');
  });

  it('with standard output and error appended to one file', () => {
    expect(intoFile('a')).toBe('values 1 2\nafter init\n');
  });

  it('leaves a file written from its offset intact (Dawn may print there: it cannot be silenced faithfully)', () => {
    expect(intoFile('w')).toMatch(/^(Warning: .*\n)*values 1 2\nafter init\n$/);
  });
});

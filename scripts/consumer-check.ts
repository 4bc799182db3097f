// The package as a user gets it: packs it (`npm pack`, which builds dist/), installs the tarball in a
// fresh project under the temporary directory, compiles that project's model with a Node-only
// tsconfig (no DOM) and trains it in Node, then bundles the same model with esbuild for the browser
// (no configuration) and trains it in headless Chromium. The losses must agree within 1e-4. It also
// runs the README's first example there as a user would, with tsx, from a .ts file in an ES module
// project ("type": "module"), importing the installed package.
// Usage: tsx scripts/consumer-check.ts [--keep]
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, runCli } from './cli.js';
import { readmeBlock } from './readme-block.js';
import { serve } from './serve-static.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TEMPLATE = join(ROOT, 'test/consumer');
const TOLERANCE = 1e-4;

interface Run {
  losses: number[];
  liveBuffers: number[];
  adapter?: { vendor: string; architecture: string; software: boolean };
  error?: string;
}

function run(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

export async function consumerCheck(log: (line: string) => void = console.log, keep = false): Promise<{ node: Run; browser: Run; worst: number }> {
  const work = mkdtempSync(join(tmpdir(), 'webgrad-consumer-'));
  try {
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], ROOT)) as { filename: string; files: { path: string }[] }[];
    const tarball = packed[0].filename;
    log(`packed ${tarball} (${packed[0].files.length} files)`);
    const app = join(work, 'app');
    mkdirSync(app);
    for (const f of readdirSync(TEMPLATE)) copyFileSync(join(TEMPLATE, f), join(app, f));
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    writeFileSync(
      join(app, 'package.json'),
      JSON.stringify({
        name: 'webgrad-consumer',
        private: true,
        type: 'module',
        dependencies: { 'webgrad-wgsl': `file:../${tarball}` },
        devDependencies: { '@types/node': pkg.devDependencies['@types/node'] },
      }),
    );
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], app);
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    run(process.execPath, [tsc, '-p', 'tsconfig.json'], app);
    run(process.execPath, [tsc, '-p', 'tsconfig.browser.json'], app);
    // Checking the libraries' declarations too: without the DOM library only @webgpu/types' own
    // declarations may fail (they name DOM types such as ImageBitmap); webgrad's must not.
    const strict = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--skipLibCheck', 'false', '--noEmit'], { cwd: app, encoding: 'utf8' });
    const ours = strict.stdout.split('\n').filter((line) => /error TS/.test(line) && !line.startsWith('node_modules/@webgpu/types/'));
    if (ours.length > 0) throw new Error(`the consumer's Node-only compile with skipLibCheck off fails:\n${ours.join('\n')}`);
    log('the consumer compiles with a Node-only tsconfig (no DOM) and with a browser one; webgrad\'s declarations pass with skipLibCheck off');
    writeFileSync(join(app, 'readme.ts'), readmeBlock('A first model'));
    const readme = run(join(ROOT, 'node_modules/.bin/tsx'), ['readme.ts'], app);
    if (!/^live GPU buffers at the end: 0$/m.test(readme)) throw new Error(`the README's example under tsx printed:\n${readme}`);
    log(`the README's example runs under tsx from the installed package: ${readme.trim().split('\n').at(-2)}`);
    const node = JSON.parse(run(process.execPath, ['out/node-main.js'], app).trim().split('\n').pop()!) as Run;
    log(`Node losses:     ${node.losses.map((l) => l.toFixed(6)).join(' ')}`);

    // Imported here, so that a mistake on the command line is answered without loading them.
    const { build } = await import('esbuild');
    const { launchChromium } = await import('../test/browser/chromium.js');
    const bundle = await build({
      entryPoints: [join(app, 'browser-main.ts')],
      absWorkingDir: app,
      bundle: true,
      write: false,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    const server = await serve(null, {
      '/index.html': '<!doctype html><meta charset="utf-8"><title>consumer</title><script type="module" src="main.js"></script>',
      '/main.js': bundle.outputFiles[0].text,
    });
    const chromium = await launchChromium();
    let browser: Run;
    try {
      await chromium.page.goto(`${server.url}/index.html`);
      await chromium.page.waitForFunction(() => (globalThis as { result?: unknown }).result !== undefined, null, { timeout: 300_000 });
      browser = (await chromium.page.evaluate(() => (globalThis as { result?: unknown }).result)) as Run;
    } finally {
      await chromium.close();
      await server.close();
    }
    if (browser.error) throw new Error(`in Chromium: ${browser.error}`);
    log(`Chromium losses: ${browser.losses.map((l) => l.toFixed(6)).join(' ')} (${[browser.adapter?.vendor, browser.adapter?.architecture].filter(Boolean).join(' ')}, software adapter: ${browser.adapter?.software})`);
    const worst = Math.max(...node.losses.map((l, i) => Math.abs(l - browser.losses[i])));
    return { node, browser, worst };
  } finally {
    if (!keep) rmSync(work, { recursive: true, force: true });
    else log(`kept ${work}`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runCli('check:consumer', async () => {
    const { values } = parseFlags({ args: process.argv.slice(2), options: { keep: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
    if (values.help) {
      console.log('usage: npm run check:consumer [-- --keep]   (--keep: leave the packed project in the temporary folder)');
      return 0;
    }
    const { node, browser, worst } = await consumerCheck(console.log, values.keep);
    const ok =
      node.losses.length === browser.losses.length &&
      worst <= TOLERANCE &&
      node.losses[node.losses.length - 1] < node.losses[0] &&
      node.liveBuffers.every((n) => n === node.liveBuffers[0]);
    console.log(`largest loss difference ${worst.toExponential(2)} (tolerance ${TOLERANCE}): ${ok ? 'ok' : 'FAILED'}`);
    return ok ? 0 : 1;
  });
}

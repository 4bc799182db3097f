// npm run test:browser: the kernel, autograd and layer test files run in headless Chromium (WebGPU
// on the machine's GPU, or SwiftShader without one), each in a page of its own.
// Usage: tsx test/browser/run.ts [FILE.test.ts ...]
import { bundleForBrowser } from '../../scripts/bundle-browser.js';
import { serve } from '../../scripts/serve-static.js';
import { chromiumMissing, launchChromium } from './chromium.js';
import type { Result } from './vitest-shim.js';
import { BROWSER_TEST_FILES } from './files.js';
import { UsageError, parseFlags, usageLine } from '../../scripts/cli.js';

export { BROWSER_TEST_FILES };

const FILE_TIMEOUT = 600_000;

export async function runTestFile(file: string, log: (line: string) => void): Promise<Result[]> {
  const code = await bundleForBrowser(`
    import { runRegistered } from './test/browser/vitest-shim.ts';
    import './test/${file}';
    const g = globalThis;
    runRegistered((r) => console.log(JSON.stringify({ result: r }))).then((all) => (g.results = all), (e) => (g.results = [{ name: '(runner)', ok: false, ms: 0, error: String(e) }]));
  `);
  const server = await serve(null, {
    '/index.html': `<!doctype html><meta charset="utf-8"><title>${file}</title><script type="module" src="main.js"></script>`,
    '/main.js': code,
  });
  const chromium = await launchChromium();
  const pageErrors: string[] = [];
  chromium.page.on('pageerror', (error) => pageErrors.push(error.message));
  chromium.page.on('console', (message) => {
    const text = message.text();
    if (!text.startsWith('{"result"')) return;
    const r = (JSON.parse(text) as { result: Result }).result;
    if (r.skipped) log(`  - ${r.name} (skipped: ${r.skipped})`);
    else log(`  ${r.ok ? '✓' : '✗'} ${r.name} (${Math.round(r.ms)} ms)${r.ok ? '' : `\n      ${r.error}`}`);
  });
  try {
    await chromium.page.goto(`${server.url}/index.html`);
    // A test file that fails to load (an error while its module is evaluated) never sets results:
    // its page error ends the wait at once.
    const failedToLoad = new Promise<never>((_, reject) => chromium.page.once('pageerror', (e) => reject(new Error(`the page failed: ${e.message}`))));
    failedToLoad.catch(() => undefined); // once the race is over, a later page error is only reported
    await Promise.race([
      chromium.page.waitForFunction(() => (globalThis as { results?: unknown }).results !== undefined, null, { timeout: FILE_TIMEOUT, polling: 500 }),
      failedToLoad,
    ]);
    const results = (await chromium.page.evaluate(() => (globalThis as { results?: unknown }).results)) as Result[];
    if (pageErrors.length > 0) results.push({ name: '(page)', ok: false, ms: 0, error: pageErrors.join('\n') });
    return results;
  } catch (error) {
    return [{ name: '(page)', ok: false, ms: 0, error: [String(error), ...pageErrors].join('\n') }];
  } finally {
    await chromium.close();
    await server.close();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  let args: string[];
  try {
    const { values, positionals } = parseFlags({ args: process.argv.slice(2), options: { help: { type: 'boolean', short: 'h' } }, allowPositionals: true });
    if (values.help) {
      console.log('usage: tsx test/browser/run.ts [FILE.test.ts ...]   (default: test/browser/files.ts)');
      process.exit(0);
    }
    args = positionals;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(usageLine('test:browser', error));
    process.exit(2);
  }
  const missing = chromiumMissing();
  if (missing) {
    console.error(`test:browser: ${missing}`);
    process.exit(1);
  }
  const files = args.filter((a) => a.endsWith('.ts'));
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const start = Date.now();
  for (const file of files.length > 0 ? files.map((f) => f.replace(/^test\//, '')) : BROWSER_TEST_FILES) {
    const t0 = Date.now();
    console.log(`${file}`);
    const results = await runTestFile(file, console.log);
    const bad = results.filter((r) => !r.ok);
    for (const r of bad.filter((r) => r.name.startsWith('('))) console.log(`  ✗ ${r.name}\n      ${r.error}`);
    const skips = results.filter((r) => r.skipped).length;
    passed += results.length - bad.length - skips;
    failed += bad.length;
    skipped += skips;
    console.log(`  ${results.length - bad.length - skips}/${results.length} passed${skips ? `, ${skips} skipped` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`\nin Chromium: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''} (${((Date.now() - start) / 1000).toFixed(0)} s)`);
  process.exit(failed === 0 && passed > 0 ? 0 : 1);
}

// npm run example:browser [-- --port N --data DIR]: bundles the page (esbuild) and serves it on
// 127.0.0.1, with the files of DIR (a CIFAR-10 cifar-10-batches-bin folder, a checkpoint) beside it.
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../../scripts/bundle-browser.js';
import { serve } from '../../scripts/serve-static.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The page and its script, and the files of `dataDir` under /data/. */
export async function servePage(dataDir: string | null, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const code = await bundleForBrowser(`import './examples/browser/main.ts';`);
  return serve(HERE, { '/main.js': code }, dataDir ? { prefix: '/data/', dir: resolve(dataDir) } : undefined, port);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '8080' }, data: { type: 'string' } } });
  const server = await servePage(values.data ?? null, Number(values.port));
  const example = values.data ? '?train=data/data_batch_1.bin&test=data/test_batch.bin' : '';
  console.log(`open ${server.url}/${example} in a browser with WebGPU (Ctrl-C stops)`);
}

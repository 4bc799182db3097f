// npm run example:browser [-- --port N --data DIR]: bundles the page (esbuild) and serves it on
// 127.0.0.1, with the files of DIR (a CIFAR-10 cifar-10-batches-bin folder, a checkpoint) beside it.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../../scripts/bundle-browser.js';
import { UsageError, parseFlags, port, runCli } from '../../scripts/cli.js';
import { serve } from '../../scripts/serve-static.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));

export const USAGE = `npm run example:browser -- [--port N] [--data DIR]

Serves the browser example (examples/browser/README.md) on 127.0.0.1.

  --port N     the port (default 8080; 0: any free one)
  --data DIR   a folder served under /data/: CIFAR-10's cifar-10-batches-bin files, a checkpoint
  -h, --help   print this and exit`;

/** The page and its script, and the files of `dataDir` under /data/. */
export async function servePage(dataDir: string | null, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const code = await bundleForBrowser(`import './examples/browser/main.ts';`);
  const gpt = await bundleForBrowser(`import './examples/browser/gpt.ts';`);
  return serve(HERE, { '/main.js': code, '/gpt.js': gpt }, dataDir ? { prefix: '/data/', dir: resolve(dataDir) } : undefined, port);
}

async function main(argv: string[]): Promise<number> {
  const { values } = parseFlags({
    args: argv,
    options: { port: { type: 'string', default: '8080' }, data: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const listenOn = port('port', values.port);
  if (values.data !== undefined && !statSync(values.data, { throwIfNoEntry: false })?.isDirectory()) {
    throw new UsageError(`--data ${values.data} is not a folder`);
  }
  const server = await servePage(values.data ?? null, listenOn).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`--port ${listenOn} is in use; give another, or --port 0 for any free one`);
    if (error.code === 'EACCES') throw new UsageError(`--port ${listenOn} needs privileges; give one above 1023`);
    throw error;
  });
  const example = values.data ? '?train=data/data_batch_1.bin&test=data/test_batch.bin' : '';
  console.log(`open ${server.url}/${example} in a browser with WebGPU (Ctrl-C stops)`);
  return new Promise<number>(() => undefined); // serves until interrupted
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  runCli('example:browser', () => main(process.argv.slice(2)));
}

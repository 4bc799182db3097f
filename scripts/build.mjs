// Builds dist/: the compiled library, with the WGSL kernels' texts inside (dist/runtime/wgsl-texts.js),
// so that neither Node nor a bundler needs the .wgsl files at run time.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { wgslTextsModule, writeKernelFiles } from './wgsl-texts.mjs';

process.chdir(new URL('..', import.meta.url).pathname);
rmSync('dist', { recursive: true, force: true });
writeKernelFiles();
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
writeFileSync('dist/runtime/wgsl-texts.js', wgslTextsModule());

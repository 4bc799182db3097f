// Copies the WGSL kernels beside the compiled JavaScript (dist/kernels/wgsl/), where init() reads them.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/kernels/wgsl', { recursive: true });
cpSync('src/kernels/wgsl', 'dist/kernels/wgsl', { recursive: true });

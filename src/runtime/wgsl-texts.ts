/**
 * The text of every `src/kernels/wgsl/*.wgsl` file, by name, for platforms that cannot read files.
 * Empty in the source tree, where Node reads the files themselves (session/node.ts). The build
 * (scripts/wgsl-texts.mjs) writes this module's compiled form in dist/ with the texts, and the
 * browser tests' bundle does the same, so a bundler gets the kernels with no configuration and
 * nothing reads a .wgsl file at run time.
 */
export const WGSL_TEXTS: Readonly<Record<string, string>> = {};

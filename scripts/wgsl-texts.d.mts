export declare const WGSL_DIR: string;
/** The source of dist/runtime/wgsl-texts.js: every .wgsl file of `dir` by name. */
export declare function wgslTextsModule(dir?: string): string;

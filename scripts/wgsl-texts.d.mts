export declare const WGSL_DIR: string;
export declare const KERNEL_FILES_MODULE: string;
/** The names of the .wgsl files of `dir`, sorted, without the extension. */
export declare function wgslNames(dir?: string): string[];
/** The source of dist/runtime/wgsl-texts.js: every .wgsl file of `dir` by name. */
export declare function wgslTextsModule(dir?: string): string;
/** The source of src/runtime/kernel-files.ts: the names of the .wgsl files of `dir`. */
export declare function kernelFilesModule(dir?: string): string;
/** Rewrites src/runtime/kernel-files.ts from the folder. */
export declare function writeKernelFiles(dir?: string, to?: string): void;

// The body of test/device/run.ts: runs test files one after another in this process, with
// test/browser/vitest-shim.ts standing in for Vitest, each file on a device of its own (released
// after it, as Vitest gives each file a process of its own).
import { writeFileSync } from 'node:fs';
import { adapterInfo, init, kernelPolicy, release, type InitOptions } from '../../src/node.js';
import { hasRuntime } from '../../src/device/current.js';
import { describePolicy, type PolicyChanges } from '../../src/runtime/policy.js';
import type { AdapterSummary } from '../../src/runtime/gpu.js';
import { resetRegistered, runRegistered, type Result } from '../browser/vitest-shim.js';
import { setInitDefaults } from '../helpers.js';
import { DEVICE_TEST_FILES, DEVICE_TEST_LOADERS, QUICK_TEST_FILES } from './files.js';
import { UsageError, usageLine } from '../../scripts/cli.js';

const USAGE = `usage: run.ts [--files a.test.ts,b.test.ts | --quick] [--filter REGEX] [--policy gpu|JSON]
              [--budget SECONDS] [--json FILE] [--list]
  --files    these files (names in test/); --quick: ${QUICK_TEST_FILES.join(', ')}
  --filter   only the files whose name matches
  --policy   init() options under every file's own: 'gpu' for a GPU's defaults on any adapter
             (gemm workgroup, conv implicit, sizing gpu, autotune on), or a JSON object
  --budget   start no file after this many seconds (the files not run are listed as such)
  --json     per test: file, name, ok, ms, error; the adapter and each file's policy`;

/** A GPU adapter's defaults (policy.ts's defaultPolicy(false)), as init() options. */
const GPU_DEFAULTS: InitOptions = { gemm: 'workgroup', conv: 'implicit', sizing: 'gpu', autotune: true };

export interface TestRecord extends Result {
  file: string;
}

interface FileRecord {
  file: string;
  ms: number;
  passed: number;
  failed: number;
  skipped: number;
  /** The policy the file's tests ran under (its device's, as init() set it), described. */
  policy: string | null;
}

interface Report {
  adapter: AdapterSummary | null;
  /** The policy a device gets from init() under --policy, before any file's own options. */
  policy: string | null;
  overrides: InitOptions;
  files: FileRecord[];
  notRun: string[];
  /** The file being run when the JSON was written: after a crash (a native one ends the process), the culprit. */
  running: string | null;
  tests: TestRecord[];
  passed: number;
  failed: number;
  skipped: number;
  ms: number;
  complete: boolean;
}


function parse(argv: string[]) {
  const opts = { files: DEVICE_TEST_FILES, filter: /./, overrides: {} as InitOptions, budgetS: Infinity, json: undefined as string | undefined, list: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '--files') opts.files = value().split(',').filter(Boolean).map((f) => f.replace(/^test\//, ''));
    else if (a === '--quick') opts.files = QUICK_TEST_FILES;
    else if (a === '--filter') {
      const v = value();
      try {
        opts.filter = new RegExp(v);
      } catch (error) {
        throw new UsageError(`--filter: ${(error as Error).message}`);
      }
    }
    else if (a === '--policy') {
      const v = value();
      try {
        opts.overrides = v === 'gpu' ? GPU_DEFAULTS : (JSON.parse(v) as InitOptions);
      } catch {
        throw new UsageError(`--policy must be 'gpu' or a JSON object of init() options, got ${v}`);
      }
    } else if (a === '--budget') opts.budgetS = Number(value());
    else if (a === '--json') opts.json = value();
    else if (a === '--list') opts.list = true;
    else if (a === '--help' || a === '-h') return null;
    else throw new UsageError(`unknown argument ${a}`);
  }
  const unknown = opts.files.filter((f) => !(f in DEVICE_TEST_LOADERS));
  if (unknown.length > 0) throw new UsageError(`no such test file in test/device/files.ts: ${unknown.join(', ')}`);
  if (!(opts.budgetS > 0)) throw new UsageError('--budget must be a positive number of seconds');
  opts.files = opts.files.filter((f) => opts.filter.test(f));
  return opts;
}

const currentPolicy = (): string | null => (hasRuntime() ? describePolicy(kernelPolicy()) : null);

export async function main(argv: string[]): Promise<number> {
  let opts: NonNullable<ReturnType<typeof parse>>;
  try {
    const parsed = parse(argv);
    if (!parsed) {
      console.log(USAGE);
      return 0;
    }
    opts = parsed;
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(usageLine('test:device', error));
    return 2;
  }
  if (opts.list) {
    for (const f of opts.files) console.log(f);
    return 0;
  }
  const start = performance.now();
  setInitDefaults(opts.overrides);
  const report: Report = { adapter: null, policy: null, overrides: opts.overrides, files: [], notRun: [], running: null, tests: [], passed: 0, failed: 0, skipped: 0, ms: 0, complete: false };
  const save = () => {
    report.ms = Math.round(performance.now() - start);
    if (opts.json) writeFileSync(opts.json, JSON.stringify(report, null, 1));
  };
  // The adapter, and the policy a test file's setupDevice() gets on it, before any file runs.
  try {
    report.adapter = await init({ ...opts.overrides, poison: true });
    report.policy = currentPolicy();
    await release();
    console.log(`adapter: ${report.adapter.description || report.adapter.vendor}${report.adapter.software ? ' (software)' : ''}`);
    console.log(`policy: ${report.policy}${Object.keys(opts.overrides).length ? ` (--policy ${JSON.stringify(opts.overrides)})` : ''}`);
  } catch (error) {
    console.log(`✗ init failed: ${String(error)}`);
    report.tests.push({ file: '(init)', name: '(init)', ok: false, ms: 0, error: String(error) });
    report.failed++;
    save();
    return 1;
  }
  save();
  for (const [index, file] of opts.files.entries()) {
    if ((performance.now() - start) / 1000 > opts.budgetS) {
      report.notRun = opts.files.slice(index);
      console.log(`\nbudget of ${opts.budgetS} s spent: not run ${report.notRun.join(', ')}`);
      break;
    }
    console.log(file);
    report.running = file;
    save();
    const t0 = performance.now();
    const record: FileRecord = { file, ms: 0, passed: 0, failed: 0, skipped: 0, policy: null };
    const add = (r: Result) => {
      report.tests.push({ file, ...r, ms: Math.round(r.ms) });
      if (r.skipped) {
        record.skipped++;
        console.log(`  - ${r.name} (skipped: ${r.skipped})`);
      } else if (r.ok) {
        record.passed++;
        console.log(`  ✓ ${r.name} (${Math.round(r.ms)} ms)`);
      } else {
        record.failed++;
        console.log(`  ✗ ${r.name} (${Math.round(r.ms)} ms)\n      ${r.error}`);
      }
      // The policy as the file's first test found it (its beforeAll has run init()).
      record.policy ??= currentPolicy();
    };
    resetRegistered();
    try {
      await DEVICE_TEST_LOADERS[file]();
      await runRegistered(add);
    } catch (error) {
      add({ name: '(load)', ok: false, ms: 0, error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
    }
    try {
      await release();
    } catch (error) {
      add({ name: '(release)', ok: false, ms: 0, error: String(error) });
    }
    record.ms = Math.round(performance.now() - t0);
    report.files.push(record);
    report.passed += record.passed;
    report.failed += record.failed;
    report.skipped += record.skipped;
    report.running = null;
    console.log(`  ${record.passed} passed${record.failed ? `, ${record.failed} failed` : ''}${record.skipped ? `, ${record.skipped} skipped` : ''} in ${(record.ms / 1000).toFixed(1)} s`);
    save();
  }
  report.complete = report.notRun.length === 0;
  save();
  console.log(`\n${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped (${(report.ms / 1000).toFixed(0)} s)`);
  return report.failed === 0 && report.passed > 0 && report.complete ? 0 : 1;
}

// The bench's command line: its options, their parsing, and the usage text `--help` prints.
import type { WaitMode } from '../src/runtime/runtime.js';
import type { GemmVariant } from '../src/runtime/policy.js';
import { UsageError, usageLine } from '../scripts/cli.js';

export { UsageError };

export interface Options {
  filter: RegExp | null;
  quick: boolean;
  /** Also webgrad's own variants, the cases tfjs has no op for (--filter and --no-tfjs choose from them anyway). */
  all: boolean;
  reps: number;
  wait: WaitMode;
  json: string | null;
  /** A file that every finished case is appended to at once, one JSON line each (bench/records.ts). */
  jsonl: string | null;
  /** The GEMM autotuner's tables, read at the start and rewritten after each tuning (init's autotune: { file }). */
  autotuneFile: string | null;
  large: boolean;
  gemm: GemmVariant | undefined;
  tfjs: boolean;
  requireGpu: boolean;
  /** Dawn's robustness transform (on unless --no-robustness; it applies to tfjs too, on the same Dawn instance). */
  robustness: boolean;
  profile: boolean;
  /** Time whole processes' first runs (cold shader cache, then warm) instead of the cases. */
  warmUp: boolean;
}

export const USAGE = `Usage: npm run bench -- [options]

Times webgrad's kernels and training steps, and the same work in TensorFlow.js's WebGPU backend
on the same adapter (its results checked against webgrad's first).

Options:
  --quick               a short set: small GEMMs, one AlexNet layer at batch 1, a small training step
  --all                 also webgrad's own variants (conv2d's forms, im2col: cases tfjs has no op for);
                        without it they run only when --filter names them or with --no-tfjs
  --filter REGEX        only the cases whose name (e.g. "gemm/square 1024") matches, ignoring case
  --reps N              at least N timed repetitions a case (default 7, or 3 with --quick)
  --large               also the cases sized for a GPU (run by default on a hardware adapter)
  --no-tfjs             time webgrad alone
  --no-robustness       Dawn without its robustness transform, for webgrad and tfjs alike
  --gemm KERNEL         the GEMM kernel: registers, workgroup or texture (default: by adapter)
  --wait MODE           how readbacks wait for the GPU: adaptive (default) or spin
  --profile             also print each case's GPU time per kernel (needs timestamp queries)
  --warm-up             instead of the cases: first runs as whole processes, each with an empty
                        shader cache then a warm one (README loop, digits CNN, alexnet-small's
                        first step), webgrad beside tfjs, and webgrad's pipelines per kernel;
                        --reps runs of each (default 2), --filter picks workloads by name
  --json FILE           write every measurement to FILE as JSON
  --jsonl FILE          append each case to FILE as one JSON line as soon as it is measured (a run
                        cut short keeps every finished case), after a line naming the run
  --autotune-file FILE  keep the GEMM autotuner's tables in FILE, shared by every run given it (this
                        turns autotuning on, as init's autotune: { file } does, on any adapter)
  --require-gpu         refuse to run on a software adapter
  -h, --help            print this and exit

Examples:
  npm run bench -- --quick
  npm run bench -- --filter "^gemm/" --reps 5 --json gemm.json
  npm run bench -- --warm-up --json warm-up.json`;

/** The options, or null for --help. Throws UsageError for anything it does not understand. */
export function parseArgs(argv: string[]): Options | null {
  const o: Options = {
    filter: null, quick: false, all: false, reps: 0, wait: 'adaptive', json: null, jsonl: null, autotuneFile: null, large: false, gemm: undefined, tfjs: true, requireGpu: false, profile: false, robustness: true, warmUp: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${arg} needs a value`);
      return v;
    };
    if (arg === '--help' || arg === '-h') return null;
    else if (arg === '--filter') {
      const source = value();
      try {
        o.filter = new RegExp(source, 'i');
      } catch (error) {
        throw new UsageError(`--filter: ${(error as Error).message}`);
      }
    }
    else if (arg === '--quick') o.quick = true;
    else if (arg === '--all') o.all = true;
    else if (arg === '--reps') {
      const v = value();
      o.reps = Number(v);
      if (!Number.isInteger(o.reps) || o.reps < 1) throw new UsageError(`--reps takes a positive integer, got ${v}`);
    }
    else if (arg === '--json') o.json = value();
    else if (arg === '--jsonl') o.jsonl = value();
    else if (arg === '--autotune-file') o.autotuneFile = value();
    else if (arg === '--large') o.large = true;
    else if (arg === '--no-tfjs') o.tfjs = false;
    else if (arg === '--require-gpu') o.requireGpu = true;
    else if (arg === '--profile') o.profile = true;
    else if (arg === '--warm-up') o.warmUp = true;
    else if (arg === '--no-robustness') o.robustness = false;
    else if (arg === '--gemm') {
      const g = value();
      if (g !== 'registers' && g !== 'workgroup' && g !== 'texture') throw new UsageError(`--gemm takes registers, workgroup or texture, got ${g}`);
      o.gemm = g;
    }
    else if (arg === '--wait') {
      const w = value();
      if (w !== 'adaptive' && w !== 'spin') throw new UsageError(`--wait takes adaptive or spin, got ${w}`);
      o.wait = w;
    } else throw new UsageError(`unknown argument ${arg}`);
  }
  if (o.warmUp && (o.quick || o.profile || o.large || o.gemm !== undefined || o.requireGpu)) throw new UsageError('--warm-up times whole processes: it takes --reps, --filter, --no-tfjs and --json only');
  if (!o.reps) o.reps = o.warmUp ? 2 : o.quick ? 3 : 7;
  return o;
}

/**
 * The options for this process: prints the usage and exits for --help (status 0), or says what
 * was wrong in one line and exits with status 2.
 */
export function readOptions(argv: string[]): Options {
  try {
    const o = parseArgs(argv);
    if (o) return o;
    console.log(USAGE);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(usageLine('bench', error));
    process.exit(2);
  }
}

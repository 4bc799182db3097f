// What the command lines (the examples, the bench, the tools) share: options read with Node's
// util.parseArgs, their values checked, and a user's mistake answered in one line on stderr with
// exit status 2, never a stack trace. Nothing here touches the GPU, so a mistake costs no start-up.
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line (a flag, a value, a file or port it names): exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** util.parseArgs, strict (unknown flags refused), its errors as UsageErrors. */
export function parseFlags<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T & { strict: true }>> {
  try {
    return parseArgs({ ...config, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function positiveInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer, got '${v}'`);
  return n;
}

export function nonNegativeInt(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new UsageError(`--${flag} must be a non-negative integer, got '${v}'`);
  return n;
}

export function nonNegative(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} must be a number >= 0, got '${v}'`);
  return n;
}

export function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new UsageError(`--${flag} must be one of ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

/** A TCP port to listen on: 0 (any free one) to 65535. */
export function port(flag: string, v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65535) throw new UsageError(`--${flag} must be a port number from 0 to 65535, got '${v}'`);
  return n;
}

/** The one line a user's mistake gets: `command: message`. */
export function usageLine(command: string, error: UsageError): string {
  return `${command}: ${error.message.split('\n')[0]}`;
}

/**
 * Runs a command's main: its status is the exit status; a UsageError is one line on stderr and
 * status 2; an error of one of the `expected` classes (a data or file problem, say) is one line and
 * status 1; anything else is a bug and shows its stack. `cleanup` runs in every case (release()).
 */
export function runCli(
  command: string,
  main: () => Promise<number>,
  options: { expected?: (error: Error) => boolean; cleanup?: () => Promise<unknown> } = {},
): void {
  const cleanup = async () => {
    await options.cleanup?.().catch(() => undefined);
  };
  main().then(
    async (code) => {
      await cleanup();
      process.exit(code);
    },
    async (error: Error) => {
      if (error instanceof UsageError) console.error(usageLine(command, error));
      else if (options.expected?.(error)) console.error(`${command}: ${error.message}`);
      else console.error(error);
      await cleanup();
      process.exit(error instanceof UsageError ? 2 : 1);
    },
  );
}

// The part of Vitest's API the test files use (describe, it, it.each, the hooks and expect), for
// running them in a browser page. expect is Vitest's own (@vitest/expect on chai), so every matcher
// behaves as in Node; only the runner is this small one. Each file runs in a page of its own, as
// each file runs in a process of its own under Vitest.
import * as chai from 'chai';
import { JestAsymmetricMatchers, JestChaiExpect, JestExtend, setState } from '@vitest/expect';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

type Expect = typeof chai.expect & ((value: unknown, message?: string) => Chai.Assertion);
export const expect = ((value: unknown, message?: string) => chai.expect(value, message)) as unknown as Expect;
Object.assign(expect, chai.expect);
setState(
  {
    assertionCalls: 0,
    isExpectingAssertions: false,
    isExpectingAssertionsError: null,
    expectedAssertionsNumber: null,
    expectedAssertionsNumberErrorGen: null,
    currentTestName: '',
  },
  expect as never,
);

/** What Vitest gives each test and its hooks: here only `skip`. */
interface Context {
  skip(conditionOrNote?: boolean | string, note?: string): void;
}
type Fn = (context: Context) => unknown;

/** Thrown by `skip()`: the test counts as skipped, not failed. */
class Skipped extends Error {}

function testContext(): Context {
  return {
    skip(conditionOrNote?: boolean | string, note?: string) {
      if (conditionOrNote === false) return;
      throw new Skipped(typeof conditionOrNote === 'string' ? conditionOrNote : (note ?? ''));
    },
  };
}
interface Test {
  name: string;
  fn: Fn;
  timeout: number;
}
interface Suite {
  name: string;
  tests: (Test | Suite)[];
  beforeAll: Fn[];
  afterAll: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}
export interface Result {
  name: string;
  ok: boolean;
  ms: number;
  error?: string;
  /** Why the test was skipped, when it was. */
  skipped?: string;
}

const DEFAULT_TIMEOUT = 120_000;
let root: Suite = suite('');
let current = root;

/**
 * Forgets the tests registered so far, so that one process can run test files one after another
 * (test/device/run.ts: each file's tests are registered as it is imported, then run).
 */
export function resetRegistered(): void {
  root = suite('');
  current = root;
}

function suite(name: string): Suite {
  return { name, tests: [], beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

export function describe(name: string, fn: () => void): void {
  const parent = current;
  const child = suite(name);
  parent.tests.push(child);
  current = child;
  try {
    fn();
  } finally {
    current = parent;
  }
}

function register(name: string, fn: Fn, timeout?: number): void {
  current.tests.push({ name, fn, timeout: timeout ?? DEFAULT_TIMEOUT });
}

function format(name: string, args: unknown[]): string {
  let i = 0;
  return name.replace(/%[sdifjo]/g, () => String(args[i++]));
}

type TestFn = (context: Record<string, unknown>) => unknown;
type Register = (name: string, fn: TestFn, timeout?: number) => void;
type Fixture = FixtureFn | [FixtureFn, { auto?: boolean }];
type FixtureFn = (context: Record<string, unknown>, use: (value: unknown) => Promise<void>) => Promise<unknown>;

/** `it` with `each` and `extend` over a way of registering a test. */
function makeIt(add: Register) {
  const each =
    <T>(table: readonly T[]) =>
    (name: string, fn: (...args: unknown[]) => unknown, timeout?: number) => {
      for (const row of table) {
        const args = Array.isArray(row) ? row : [row];
        add(format(name, args), () => fn(...args), timeout);
      }
    };
  // Vitest's test.extend: each fixture is set up around the test, in order, and given to it in the
  // context. Here every fixture is set up, as Vitest does for `auto` ones.
  const extend = (fixtures: Record<string, Fixture>) =>
    makeIt((name, fn, timeout) =>
      add(
        name,
        (outer) => {
          const context: Record<string, unknown> = { ...outer };
          const names = Object.keys(fixtures);
          const around = async (i: number): Promise<void> => {
            if (i === names.length) {
              await fn(context);
              return;
            }
            const f = fixtures[names[i]];
            await (Array.isArray(f) ? f[0] : f)(context, async (value) => {
              context[names[i]] = value;
              await around(i + 1);
            });
          };
          return around(0);
        },
        timeout,
      ),
    );
  return Object.assign(add, { each, extend });
}

export const it = makeIt((name, fn, timeout) => register(name, (context) => fn({ ...context }), timeout));
export const test = it;
export const beforeAll = (fn: Fn) => void current.beforeAll.push(fn);
export const afterAll = (fn: Fn) => void current.afterAll.push(fn);
export const beforeEach = (fn: Fn) => void current.beforeEach.push(fn);
export const afterEach = (fn: Fn) => void current.afterEach.push(fn);

function withTimeout(fn: Fn, ms: number, context: Context = testContext()): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    Promise.resolve().then(() => fn(context)),
    new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Runs the registered tests in order; `report` hears of each result as it comes. */
export async function runRegistered(report: (r: Result) => void = () => undefined): Promise<Result[]> {
  const results: Result[] = [];
  const emit = (r: Result) => {
    results.push(r);
    report(r);
  };
  async function runSuite(s: Suite, path: string[], eachBefore: Fn[], eachAfter: Fn[]): Promise<void> {
    const before = [...eachBefore, ...s.beforeEach];
    const after = [...s.afterEach, ...eachAfter];
    try {
      for (const hook of s.beforeAll) await withTimeout(hook, DEFAULT_TIMEOUT);
    } catch (error) {
      emit({ name: [...path, '(beforeAll)'].join(' > '), ok: false, ms: 0, error: describeError(error) });
      return;
    }
    for (const t of s.tests) {
      if ('fn' in t) {
        const name = [...path, t.name].join(' > ');
        const start = performance.now();
        const context = testContext();
        try {
          for (const hook of before) await withTimeout(hook, DEFAULT_TIMEOUT, context);
          await withTimeout(t.fn, t.timeout, context);
          for (const hook of after) await withTimeout(hook, DEFAULT_TIMEOUT, context);
          emit({ name, ok: true, ms: performance.now() - start });
        } catch (error) {
          if (error instanceof Skipped) emit({ name, ok: true, ms: 0, skipped: error.message || 'skipped' });
          else emit({ name, ok: false, ms: performance.now() - start, error: describeError(error) });
        }
      } else {
        await runSuite(t, [...path, t.name], before, after);
      }
    }
    try {
      for (const hook of s.afterAll) await withTimeout(hook, DEFAULT_TIMEOUT);
    } catch (error) {
      emit({ name: [...path, '(afterAll)'].join(' > '), ok: false, ms: 0, error: describeError(error) });
    }
  }
  await runSuite(root, [], [], []);
  return results;
}

type AnyFn = (...args: unknown[]) => unknown;

/** Vitest's `vi`, as far as the test files use it: `vi.spyOn(object, method)` with `mockImplementation`, `mock.calls` and `mockRestore`. */
export const vi = {
  spyOn<T extends object>(object: T, method: keyof T & string) {
    const target = object as Record<string, unknown>;
    const original = target[method] as AnyFn;
    const calls: unknown[][] = [];
    let impl: AnyFn = original;
    const spy = Object.assign(
      function (this: unknown, ...args: unknown[]) {
        calls.push(args);
        return impl.apply(this, args);
      },
      {
        mock: { calls },
        mockImplementation(fn: AnyFn) {
          impl = fn;
          return spy;
        },
        mockRestore() {
          target[method] = original;
        },
      },
    );
    target[method] = spy;
    return spy;
  },
};

import { expect } from 'vitest';
import { WebgradError } from '../../src/index.js';
import { runtime } from '../../src/device/current.js';

/** Expects `fn` to throw a WebgradError matching `message` before any GPU work (no dispatch recorded). */
export function rejects(fn: () => unknown, message: RegExp): void {
  const before = runtime().counters.dispatches;
  expect(fn).toThrow(WebgradError);
  expect(fn).toThrow(message);
  expect(runtime().counters.dispatches).toBe(before);
}

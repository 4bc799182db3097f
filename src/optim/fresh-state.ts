/**
 * An optimizer's per-parameter state (momentum buffers, Adam's moments), made for every parameter
 * that needs it before any parameter is updated, all or nothing: a step whose state cannot all be
 * allocated (out of memory) is refused before it changes a parameter, and leaves no state half made.
 * Returns the indices made now (their first step initialises them).
 */
export function makeStateFirst<T>(slots: (T | null)[], needs: (i: number) => boolean, make: (i: number) => T, drop: (state: T) => void): Set<number> {
  const made = new Set<number>();
  try {
    slots.forEach((s, i) => {
      if (s !== null || !needs(i)) return;
      slots[i] = make(i);
      made.add(i);
    });
  } catch (error) {
    for (const i of made) {
      drop(slots[i]!);
      slots[i] = null;
    }
    throw error;
  }
  return made;
}

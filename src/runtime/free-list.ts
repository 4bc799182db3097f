/**
 * GPU resources released for reuse, by key (a size class, a texture size), under a cap on their
 * bytes: past it, the ones released longest ago go first, since a loop reuses what it released
 * last. The buffer pool and the texture pool keep theirs here.
 */
export class FreeList<K, T> {
  private readonly lists = new Map<K, T[]>();
  /** Every kept resource and its key, in the order released (a Map iterates in insertion order). */
  private readonly order = new Map<T, K>();
  private keptBytes = 0;

  constructor(
    private readonly sizeOf: (resource: T) => number,
    /** Takes the resources let go of (the runtime destroys them after its next submit). */
    private readonly drop: (resource: T) => void,
  ) {}

  get count(): number {
    return this.order.size;
  }

  get bytes(): number {
    return this.keptBytes;
  }

  /** A kept resource of this key, or undefined. */
  take(key: K): T | undefined {
    const resource = this.lists.get(key)?.pop();
    if (resource !== undefined) {
      this.order.delete(resource);
      this.keptBytes -= this.sizeOf(resource);
    }
    return resource;
  }

  /** Keeps a released resource, within `cap` bytes in all; one larger than the cap is dropped. */
  put(key: K, resource: T, cap: number): void {
    const size = this.sizeOf(resource);
    if (size > cap) {
      this.drop(resource);
      return;
    }
    this.trimTo(cap - size);
    let list = this.lists.get(key);
    if (!list) this.lists.set(key, (list = []));
    list.push(resource);
    this.order.set(resource, key);
    this.keptBytes += size;
  }

  /** Drops the resources released longest ago until at most `bytes` are kept. */
  trimTo(bytes: number): void {
    for (const [old, oldKey] of this.order) {
      if (this.keptBytes <= bytes) break;
      this.remove(old, oldKey);
    }
  }

  /** Drops every kept resource. */
  clear(): void {
    this.trimTo(0);
  }

  private remove(resource: T, key: K): void {
    const list = this.lists.get(key)!;
    list.splice(list.indexOf(resource), 1);
    this.order.delete(resource);
    this.keptBytes -= this.sizeOf(resource);
    this.drop(resource);
  }
}

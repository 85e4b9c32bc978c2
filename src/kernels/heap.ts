// A small first-fit allocator over a WebAssembly.Memory, run only on the main thread: every buffer
// the WASM kernels touch is handed out here, so addresses never collide (and later worker threads,
// which only run kernels on pointers they are given, can share the same memory).

// Cache-line alignment: SIMD loads stay aligned, and a factor row of k = 16j floats covers whole
// lines (at 16-byte alignment a 64-factor row touched five lines, not four).
const ALIGN = 64;
const PAGE = 65536;

interface Block {
  ptr: number;
  size: number;
}

export class Heap {
  private top: number;
  /** End of the highest byte ever handed out: memory below it may hold old data. */
  private highWater: number;
  private readonly freeList: Block[] = [];
  private readonly sizes = new Map<number, number>();

  constructor(readonly memory: WebAssembly.Memory, base: number) {
    this.top = align(base);
    this.highWater = this.top;
  }

  /** Bytes handed out and not freed. */
  get used(): number {
    let n = 0;
    for (const s of this.sizes.values()) n += s;
    return n;
  }

  alloc(bytes: number): number {
    const size = align(Math.max(bytes, 1));
    for (let i = 0; i < this.freeList.length; i++) {
      const b = this.freeList[i];
      if (b.size >= size) {
        const ptr = b.ptr;
        if (b.size === size) this.freeList.splice(i, 1);
        else {
          b.ptr += size;
          b.size -= size;
        }
        this.sizes.set(ptr, size);
        new Uint8Array(this.memory.buffer, ptr, size).fill(0);
        return ptr;
      }
    }
    const ptr = this.top;
    const end = ptr + size;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(
          `WebAssembly memory cannot grow to ${(end / 2 ** 20).toFixed(0)} MiB (asked for ${bytes} bytes)`,
        );
      }
    }
    this.top = end;
    this.sizes.set(ptr, size);
    // space freed back to the top and handed out again holds old data; never-used pages are zero
    if (ptr < this.highWater) new Uint8Array(this.memory.buffer, ptr, Math.min(end, this.highWater) - ptr).fill(0);
    this.highWater = Math.max(this.highWater, end);
    return ptr;
  }

  free(ptr: number): void {
    const size = this.sizes.get(ptr);
    if (size === undefined) throw new Error(`heap: free of unknown pointer ${ptr}`);
    this.sizes.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // the tail may now touch free blocks: give them back to the top too
      this.freeList.sort((a, b) => a.ptr - b.ptr);
      while (this.freeList.length && last(this.freeList).ptr + last(this.freeList).size === this.top) {
        this.top = this.freeList.pop()!.ptr;
      }
      return;
    }
    this.freeList.push({ ptr, size });
    this.freeList.sort((a, b) => a.ptr - b.ptr);
    // merge neighbours
    for (let i = this.freeList.length - 1; i > 0; i--) {
      const a = this.freeList[i - 1];
      const b = this.freeList[i];
      if (a.ptr + a.size === b.ptr) {
        a.size += b.size;
        this.freeList.splice(i, 1);
      }
    }
  }
}

function align(n: number): number {
  return Math.ceil(n / ALIGN) * ALIGN;
}

function last<T>(a: T[]): T {
  return a[a.length - 1];
}

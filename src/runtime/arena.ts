// Host-side allocator over the one Wasm memory. The module is built with `--runtime stub`
// and never allocates itself, so every byte above heapBase() belongs to this arena.
// Kernels receive byte offsets; the wrappers check each region against this arena before
// any Wasm runs, so a bad size or a freed buffer is a RangeError, never a trap.

/** Every block starts on a 64-byte boundary: one cache line, and a whole number of v128s. */
export const ARENA_ALIGN = 64;
const WASM_PAGE = 65536;

/** A run of float32 values inside the arena: `offset` in bytes, `length` in floats. */
export class F32Region {
  /** @internal use Arena.allocF32 or F32Region.sub */
  constructor(
    readonly arena: Arena,
    readonly block: Block,
    readonly offset: number,
    readonly length: number,
  ) {}

  /** A fresh view over the current memory buffer (valid until the memory next grows). */
  view(): Float32Array {
    this.arena.assertLive('region', this);
    return new Float32Array(this.arena.memory.buffer, this.offset, this.length);
  }

  /** A sub-range of this region, `start` and `length` in floats. */
  sub(start: number, length: number = this.length - start): F32Region {
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > this.length) {
      throw new RangeError(`F32Region.sub(start, length): expected 0 <= start and start + length <= ${this.length}, got start=${start}, length=${length}`);
    }
    return new F32Region(this.arena, this.block, this.offset + 4 * start, length);
  }

  /** Copies `values` into the region from `start` (floats). */
  set(values: ArrayLike<number>, start = 0): void {
    if (start < 0 || start + values.length > this.length) {
      throw new RangeError(`F32Region.set(values, start): ${values.length} values from ${start} do not fit in a region of ${this.length} floats`);
    }
    this.view().set(values, start);
  }

  /** A copy of the region's values that outlives memory growth and freeing. */
  toArray(): Float32Array {
    return this.view().slice();
  }
}

/** @internal one allocation; regions keep a reference so a freed block is detected. */
export interface Block {
  readonly start: number;
  readonly bytes: number;
  live: boolean;
}

interface Span {
  start: number;
  bytes: number;
}

export class Arena {
  private readonly base: number;
  private top: number;
  /** Free spans below `top`, sorted by start, never adjacent (merged on free). */
  private readonly freeSpans: Span[] = [];
  private readonly live = new Map<number, Block>();
  private f32Cache: Float32Array;

  constructor(readonly memory: WebAssembly.Memory, heapBase: number) {
    this.base = alignUp(heapBase, ARENA_ALIGN);
    this.top = this.base;
    this.f32Cache = new Float32Array(memory.buffer);
  }

  /** The whole memory as float32, re-created if memory.grow detached the old buffer. */
  get f32(): Float32Array {
    if (this.f32Cache.buffer !== this.memory.buffer) this.f32Cache = new Float32Array(this.memory.buffer);
    return this.f32Cache;
  }

  /** Allocates room for `length` floats (uninitialised), 64-byte aligned. */
  allocF32(length: number): F32Region {
    if (!Number.isInteger(length) || length < 0) {
      throw new RangeError(`Arena.allocF32(length): expected a non-negative integer, got ${length}`);
    }
    if (length > 2 ** 30) throw new RangeError(`Arena.allocF32(length): ${length} floats are more than the 4 GiB a Wasm memory can hold`);
    const bytes = Math.max(ARENA_ALIGN, alignUp(4 * length, ARENA_ALIGN));
    const start = this.takeFreeSpan(bytes) ?? this.bump(bytes);
    const block: Block = { start, bytes, live: true };
    this.live.set(start, block);
    return new F32Region(this, block, start, length);
  }

  /** Allocates and fills from `values`. */
  fromArray(values: ArrayLike<number>): F32Region {
    const region = this.allocF32(values.length);
    region.set(values);
    return region;
  }

  /** Returns a region's whole block to the arena; later use of any region in it throws. */
  free(region: F32Region): void {
    const block = region.block;
    if (region.arena !== this || !block.live) throw new RangeError('Arena.free(region): the region is not a live allocation of this arena');
    block.live = false;
    this.live.delete(block.start);
    this.releaseSpan(block.start, block.bytes);
  }

  /** Bytes currently handed out (for tests and leak checks). */
  get bytesInUse(): number {
    let total = 0;
    for (const block of this.live.values()) total += block.bytes;
    return total;
  }

  /** Throws unless `region` is a live region of this arena. */
  assertLive(name: string, region: F32Region): void {
    if (!(region instanceof F32Region) || region.arena !== this) {
      throw new TypeError(`${name}: expected an F32Region of the seqwasm arena, got ${describe(region)}`);
    }
    if (!region.block.live) throw new RangeError(`${name}: the region at byte ${region.offset} was freed`);
  }

  /**
   * The check every kernel wrapper makes before calling Wasm: `region` is live and holds at
   * least `floats` values. Returns the byte offset to pass to the kernel.
   */
  check(name: string, region: F32Region, floats: number): number {
    this.assertLive(name, region);
    if (!(floats <= region.length)) {
      throw new RangeError(`${name}: needs ${floats} floats but the region holds ${region.length}`);
    }
    return region.offset;
  }

  private takeFreeSpan(bytes: number): number | undefined {
    for (let i = 0; i < this.freeSpans.length; i++) {
      const span = this.freeSpans[i];
      if (span.bytes < bytes) continue;
      const start = span.start;
      if (span.bytes === bytes) this.freeSpans.splice(i, 1);
      else {
        span.start += bytes;
        span.bytes -= bytes;
      }
      return start;
    }
    return undefined;
  }

  private bump(bytes: number): number {
    const start = this.top;
    const end = start + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / WASM_PAGE);
      try {
        this.memory.grow(pages);
      } catch (cause) {
        throw new RangeError(`Arena: cannot grow Wasm memory to ${end} bytes (${pages} more pages)`, { cause });
      }
    }
    this.top = end;
    return start;
  }

  private releaseSpan(start: number, bytes: number): void {
    const spans = this.freeSpans;
    let i = 0;
    while (i < spans.length && spans[i].start < start) i++;
    spans.splice(i, 0, { start, bytes });
    // Merge with the following span, then with the preceding one.
    if (i + 1 < spans.length && spans[i].start + spans[i].bytes === spans[i + 1].start) {
      spans[i].bytes += spans[i + 1].bytes;
      spans.splice(i + 1, 1);
    }
    if (i > 0 && spans[i - 1].start + spans[i - 1].bytes === spans[i].start) {
      spans[i - 1].bytes += spans[i].bytes;
      spans.splice(i, 1);
      i--;
    }
    // A span that reaches the top gives its bytes back to the bump pointer.
    const last = spans[spans.length - 1];
    if (last && last.start + last.bytes === this.top) {
      this.top = last.start;
      spans.pop();
    }
  }
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  return value.constructor?.name ?? 'object';
}

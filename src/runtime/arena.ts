// Host-side allocator over the one Wasm memory. The module is built with `--runtime stub`
// and never allocates itself, so every byte above heapBase() belongs to this arena.
// Kernels receive byte offsets; the wrappers check each region against this arena before
// any Wasm runs, so a bad size or a freed buffer is a RangeError, never a trap.
//
// Regions cannot be forged: only the arena (allocF32, fromArray, allocMany) and sub() build
// them, each is frozen, and check() asks the arena's own records whether its block is live
// and the region lies inside it. A block nothing references any more (a model dropped
// without dispose()) returns to the arena once it is garbage-collected: every region holds
// its block, so a block cannot be reclaimed while anything can still use it.

/** Every block starts on a 64-byte boundary: one cache line, and a whole number of v128s. */
export const ARENA_ALIGN = 64;
const WASM_PAGE = 65536;
/** The most a 32-bit Wasm memory can address (65536 pages). */
export const MAX_MEMORY_BYTES = 65536 * WASM_PAGE;

/** Kernel workspace up to this size is kept between calls; larger is lent per call. */
export const KEPT_SCRATCH_BYTES = 1 << 20;

/** Passed by the arena and sub() to the region constructor, which refuses anyone else. */
const issuing = Symbol('F32Region.issuing');
/** Every region the arena or sub() built; a look-alike object (Object.create, a copy) is not in it. */
const genuine = new WeakSet<object>();

/**
 * A run of float32 values inside the arena: `offset` in bytes, `length` in floats. Kernels,
 * layers and plans read and write regions; take them from {@link Arena.allocF32},
 * {@link Arena.fromArray} or {@link F32Region.sub} (they cannot be constructed or forged), and
 * give them back with {@link Arena.free}.
 *
 * @example
 * ```ts
 * const region = arena().fromArray([1, 2, 3, 4]);
 * region.sub(1, 2).toArray();          // Float32Array [2, 3]
 * arena().free(region);
 * ```
 */
export class F32Region {
  /** @internal regions come from arena().allocF32 / fromArray or region.sub(); the constructor refuses other callers. */
  constructor(
    token: symbol,
    /** The arena that issued the region; it checks the region before every kernel call. */
    readonly arena: Arena,
    /** @internal the allocation the region lies in; holding it keeps the block from being reclaimed. */
    readonly block: Block,
    /** Byte offset of the first value in the Wasm memory (a multiple of 4). */
    readonly offset: number,
    /** Number of float32 values. */
    readonly length: number,
  ) {
    if (token !== issuing) throw new TypeError('F32Region: regions cannot be constructed; take them from arena().allocF32(), arena().fromArray() or region.sub()');
    Object.freeze(this);
    genuine.add(this);
  }

  /** A fresh view over the current memory buffer (valid until the memory next grows or reset() moves it). */
  view(): Float32Array {
    this.arena.assertLive('region', this);
    return new Float32Array(this.arena.memory.buffer, this.offset, this.length);
  }

  /** A sub-range of this region, `start` and `length` in floats. */
  sub(start: number, length: number = this.length - start): F32Region {
    if (!Number.isInteger(start) || !Number.isInteger(length) || start < 0 || length < 0 || start + length > this.length) {
      throw new RangeError(`F32Region.sub(start, length): expected 0 <= start and start + length <= ${this.length}, got start=${start}, length=${length}`);
    }
    return new F32Region(issuing, this.arena, this.block, this.offset + 4 * start, length);
  }

  /** Copies `values` into the region from `start` (floats). */
  set(values: ArrayLike<number>, start = 0): void {
    if (!Number.isInteger(start) || start < 0 || start + values.length > this.length) {
      throw new RangeError(`F32Region.set(values, start): ${values.length} values from ${start} do not fit in a region of ${this.length} floats`);
    }
    this.view().set(values, start);
  }

  /** A copy of the region's values that outlives memory growth and freeing. */
  toArray(): Float32Array {
    return this.view().slice();
  }
}

/** @internal one allocation; its regions keep a reference, so it lives as long as any of them. */
export interface Block {
  readonly start: number;
  readonly bytes: number;
  /** Tells this allocation from a later one at the same start. */
  readonly serial: number;
}

interface Span {
  start: number;
  bytes: number;
}

/**
 * What the arena holds, in bytes (see memoryInfo()).
 *
 * @example
 * ```ts
 * const { bytesInUse, blocks, top, highWater, memoryBytes }: ArenaUsage = arena().usage();
 * ```
 */
export interface ArenaUsage {
  /** Bytes of live blocks. */
  readonly bytesInUse: number;
  /** Live blocks. */
  readonly blocks: number;
  /** The arena's current end: nothing above it is in use (a fresh instance needs this much). */
  readonly top: number;
  /** The highest end the arena has reached since it was created or last moved. */
  readonly highWater: number;
  /** Size of the Wasm memory (it never shrinks; reset() moves to a smaller one). */
  readonly memoryBytes: number;
  /** Blocks returned because everything that referenced them was garbage-collected. */
  readonly reclaimedBlocks: number;
}

/**
 * The host-side allocator over seqwasm's one Wasm memory: it hands out 64-byte-aligned
 * {@link F32Region}s, reuses freed blocks, grows the memory when needed and checks every
 * region a kernel receives. There is one per initialised module; get it with {@link arena}.
 *
 * @example
 * ```ts
 * await init();
 * const x = arena().allocF32(1024);   // uninitialised, 64-byte aligned
 * x.view().fill(0.5);
 * arena().free(x);                    // later use of x throws
 * ```
 */
export class Arena {
  private readonly base: number;
  private top: number;
  private highWater: number;
  private currentMemory: WebAssembly.Memory;
  /** Free spans below `top`, sorted by start, never adjacent (merged on free). */
  private readonly freeSpans: Span[] = [];
  /** The serial of the live block at each start: blocks themselves are not held, so dropped ones can be collected. */
  private readonly live = new Map<number, Block['serial']>();
  private liveBytes = 0;
  private serials = 0;
  private reclaimed = 0;
  /** Frees a block's span once every region of it has been garbage-collected; undefined where the runtime lacks it. */
  private readonly reclaimer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<Block>((held) => this.reclaim(held)) : undefined;
  private f32Cache: Float32Array;
  /** Workspace kept between kernel calls, at most KEPT_SCRATCH_BYTES (see withScratch). */
  private keptScratch: Span | undefined;
  private scratchBusy = false;

  constructor(memory: WebAssembly.Memory, heapBase: number) {
    this.currentMemory = memory;
    this.base = alignUp(heapBase, ARENA_ALIGN);
    this.top = this.base;
    this.highWater = this.top;
    this.f32Cache = new Float32Array(memory.buffer);
  }

  /** The Wasm memory the arena allocates in. */
  get memory(): WebAssembly.Memory {
    return this.currentMemory;
  }

  /** The whole memory as float32, re-created if memory.grow detached the old buffer. */
  get f32(): Float32Array {
    if (this.f32Cache.buffer !== this.memory.buffer) this.f32Cache = new Float32Array(this.memory.buffer);
    return this.f32Cache;
  }

  /** Allocates room for `length` floats (uninitialised), 64-byte aligned. */
  allocF32(length: number): F32Region {
    return this.allocMany([length])[0];
  }

  /**
   * Allocates a region for each length, all or none: the memory grows at most once, and only
   * after the total is known to fit, so a failed request leaves the memory as it was.
   */
  allocMany(lengths: readonly number[]): F32Region[] {
    const sizes = lengths.map((length) => {
      if (!Number.isInteger(length) || length < 0) {
        throw new RangeError(`Arena.allocF32(length): expected a non-negative integer, got ${length}`);
      }
      if (4 * length > MAX_MEMORY_BYTES) throw new RangeError(`Arena.allocF32(length): ${length} floats do not fit, a Wasm memory holds at most ${MAX_MEMORY_BYTES} bytes`);
      return blockBytes(length);
    });
    const starts = sizes.map((bytes) => this.takeFreeSpan(bytes));
    const fromTop = sizes.reduce((sum, bytes, i) => (starts[i] === undefined ? sum + bytes : sum), 0);
    try {
      this.ensureRoom(this.top + fromTop);
    } catch (error) {
      starts.forEach((start, i) => start !== undefined && this.releaseSpan(start, sizes[i]));
      throw error;
    }
    return sizes.map((bytes, i) => {
      const start = starts[i] ?? this.bump(bytes);
      const block: Block = Object.freeze({ start, bytes, serial: ++this.serials });
      this.live.set(start, block.serial);
      this.liveBytes += bytes;
      this.reclaimer?.register(block, { ...block }, block);
      return new F32Region(issuing, this, block, start, lengths[i]);
    });
  }

  /** Allocates and fills from `values`. */
  fromArray(values: ArrayLike<number>): F32Region {
    const region = this.allocF32(values.length);
    region.set(values);
    return region;
  }

  /** Returns a region's whole block to the arena; later use of any region in it throws. */
  free(region: F32Region): void {
    if (!genuine.has(region) || region.arena !== this || !this.holds(region.block)) {
      throw new RangeError('Arena.free(region): the region is not a live allocation of this arena');
    }
    this.reclaimer?.unregister(region.block);
    this.release(region.block);
  }

  /**
   * Runs `use` with `floats` floats of workspace (contents undefined) at the byte offset it is
   * given. Workspace up to KEPT_SCRATCH_BYTES is kept between calls (small calls stay cheap);
   * larger workspace is lent for the call and given back, so a call on a huge batch keeps
   * nothing afterwards.
   */
  withScratch<T>(what: string, floats: number, use: (offset: number) => T): T {
    const bytes = blockBytes(floats);
    if (bytes <= KEPT_SCRATCH_BYTES && !this.scratchBusy) {
      if (!this.keptScratch || this.keptScratch.bytes < bytes) {
        this.dropScratch();
        this.keptScratch = { start: this.take(what, bytes), bytes };
      }
      this.scratchBusy = true;
      try {
        return use(this.keptScratch.start);
      } finally {
        this.scratchBusy = false;
      }
    }
    const start = this.take(what, bytes);
    try {
      return use(start);
    } finally {
      this.releaseSpan(start, bytes);
    }
  }

  /** Gives the kept workspace back (reset() does, so that it does not hold up the top). */
  dropScratch(): void {
    if (!this.keptScratch || this.scratchBusy) return;
    this.releaseSpan(this.keptScratch.start, this.keptScratch.bytes);
    this.keptScratch = undefined;
  }

  /** `bytes` of workspace from a free span or the top. */
  private take(what: string, bytes: number): number {
    const start = this.takeFreeSpan(bytes);
    if (start !== undefined) return start;
    try {
      this.ensureRoom(this.top + bytes);
    } catch (cause) {
      throw new RangeError(`${what}: cannot allocate ${bytes / 4} floats of workspace`, { cause });
    }
    return this.bump(bytes);
  }

  /** Bytes currently handed out (for tests and leak checks). */
  get bytesInUse(): number {
    return this.liveBytes;
  }

  /** What the arena holds and how large its memory is. */
  usage(): ArenaUsage {
    return { bytesInUse: this.liveBytes, blocks: this.live.size, top: this.top, highWater: this.highWater, memoryBytes: this.memory.buffer.byteLength, reclaimedBlocks: this.reclaimed };
  }

  /**
   * Moves every byte in use to `memory` (a fresh instance's, at least as large as `top` after
   * growing) at the same offsets, so every region stays valid; the old memory's views are
   * detached, as a grow would. The high-water mark starts again from the top.
   */
  moveTo(memory: WebAssembly.Memory): void {
    const old = this.currentMemory;
    const have = memory.buffer.byteLength;
    if (this.top > have) memory.grow(Math.ceil((this.top - have) / WASM_PAGE));
    new Uint8Array(memory.buffer, 0, this.top).set(new Uint8Array(old.buffer, 0, this.top));
    this.currentMemory = memory;
    this.highWater = this.top;
    old.grow(0); // detaches the old buffer: a view kept across the move fails like one kept across a grow
  }

  /** Whether `region` is a live region of this arena, lying inside its block: assertLive without a message to build. */
  isLiveRegion(region: F32Region): boolean {
    if (!genuine.has(region) || region.arena !== this) return false;
    const block = region.block;
    return this.holds(block) && region.offset >= block.start && region.offset + 4 * region.length <= block.start + block.bytes;
  }

  /** Throws unless `region` is a live region of this arena, lying inside its block. */
  assertLive(name: string, region: F32Region): void {
    if (this.isLiveRegion(region)) return;
    if (!genuine.has(region) || region.arena !== this) {
      throw new TypeError(`${name}: expected an F32Region of the seqwasm arena, got ${describe(region)}`);
    }
    const block = region.block;
    if (!this.holds(block)) throw new RangeError(`${name}: the region at byte ${region.offset} was freed`);
    if (!(region.offset >= block.start && region.offset + 4 * region.length <= block.start + block.bytes)) {
      throw new RangeError(`${name}: the region [${region.offset}, ${region.offset + 4 * region.length}) lies outside its block [${block.start}, ${block.start + block.bytes})`);
    }
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

  /** check() of argument `name` of `what`, named `what(name)` only in its error: kernel wrappers check on every call. */
  checkArgument(what: string, name: string, region: F32Region, floats: number): number {
    return this.isLiveRegion(region) && floats <= region.length ? region.offset : this.check(`${what}(${name})`, region, floats);
  }

  /** @internal Whether `block` is this arena's live allocation (not a freed one, nor a later one at the same start). */
  isLive(block: Block): boolean {
    return this.holds(block);
  }

  private holds(block: Block): boolean {
    return this.live.get(block.start) === block.serial;
  }

  /** A registry callback: the block's regions were all collected. */
  private reclaim(held: Block): void {
    if (!this.holds(held)) return;
    this.reclaimed++;
    this.release(held);
  }

  private release(block: Block): void {
    this.live.delete(block.start);
    this.liveBytes -= block.bytes;
    this.releaseSpan(block.start, block.bytes);
  }

  /** Grows the memory so that `end` bytes exist, or throws without growing. */
  private ensureRoom(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / WASM_PAGE);
    if (end > MAX_MEMORY_BYTES) {
      throw new RangeError(`Arena: cannot grow Wasm memory to ${end} bytes (${pages} more pages): a Wasm memory holds at most ${MAX_MEMORY_BYTES} bytes`);
    }
    try {
      this.memory.grow(pages);
    } catch (cause) {
      throw new RangeError(`Arena: cannot grow Wasm memory to ${end} bytes (${pages} more pages)`, { cause });
    }
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

  /** Takes `bytes` at the top; the caller has made room with ensureRoom. */
  private bump(bytes: number): number {
    const start = this.top;
    this.top += bytes;
    if (this.top > this.highWater) this.highWater = this.top;
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

function blockBytes(floats: number): number {
  return Math.max(ARENA_ALIGN, alignUp(4 * floats, ARENA_ALIGN));
}

export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return `${typeof value} ${String(value)}`;
  return value.constructor?.name ?? 'object';
}

/**
 * Where automatic persisted queries (Apollo's APQ) keep the documents clients registered: this
 * instance's memory, or Redis with REDIS_URL (apq-redis-store.ts) so that a document registered
 * through one instance is found by every other. Only documents that parsed and validated (limits
 * included) are stored (persisted-documents.ts), and both stores are bounded: registering is open
 * to every caller, so it must not grow a store without end.
 */
export interface ApqStore {
  /** The text registered under this SHA-256 (lower-case hex), or undefined. */
  get(hash: string): Promise<string | undefined>;
  /** Registers `text` under its hash; may evict others. */
  set(hash: string, text: string): Promise<void>;
}

export interface ApqBounds {
  /** Documents kept; past it the least recently used go. */
  readonly maxDocuments: number;
  /** UTF-8 bytes of every document together (memory store). */
  readonly maxBytes: number;
  /** A larger document runs but is not stored (its client sends its text every time). */
  readonly maxDocumentBytes: number;
}

/**
 * 1,000 documents: far above the distinct operations of a set of frontends. 64 KiB a document:
 * the 2,000-token limit (guards/limits.ts) fits in far less unless a document is mostly string
 * literals. 8 MiB in all for the memory store; in Redis the count and the per-document cap bound
 * it (64 MiB at worst), each key expiring after a day unused.
 */
export const APQ_BOUNDS: ApqBounds = {
  maxDocuments: 1_000,
  maxBytes: 8 * 1024 * 1024,
  maxDocumentBytes: 64 * 1024,
};

/** This instance's store: least recently used first out, by count and by bytes. */
export class MemoryApqStore implements ApqStore {
  // A Map iterates in insertion order: deleting and setting again on use keeps it LRU.
  private readonly documents = new Map<string, string>();
  private bytes = 0;

  constructor(private readonly bounds: ApqBounds = APQ_BOUNDS) {}

  get size(): number {
    return this.documents.size;
  }

  async get(hash: string): Promise<string | undefined> {
    const text = this.documents.get(hash);
    if (text !== undefined) {
      this.documents.delete(hash);
      this.documents.set(hash, text);
    }
    return text;
  }

  async set(hash: string, text: string): Promise<void> {
    const size = Buffer.byteLength(text, 'utf8');
    if (size > this.bounds.maxDocumentBytes || size > this.bounds.maxBytes) return;
    const known = this.documents.get(hash);
    if (known !== undefined) {
      this.documents.delete(hash);
      this.bytes -= Buffer.byteLength(known, 'utf8');
    }
    this.documents.set(hash, text);
    this.bytes += size;
    for (const [oldest, old] of this.documents) {
      if (this.documents.size <= this.bounds.maxDocuments && this.bytes <= this.bounds.maxBytes)
        break;
      this.documents.delete(oldest);
      this.bytes -= Buffer.byteLength(old, 'utf8');
    }
  }
}

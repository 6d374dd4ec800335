/**
 * Capture file source: a file opened as a bounded byte stream, gunzipped on the fly when it starts
 * with the gzip magic (RFC 1952 §2.3.1: "ID1 = 31 (0x1f), ID2 = 139 (0x8b)"), and a pull reader
 * that hands the record parsers exactly the bytes they ask for.
 *
 * Why a pull reader: pcap and pcapng are length-prefixed records; `await read(n)` keeps the parsers
 * straight-line while only the current record (and one stream chunk) is ever held in memory.
 */
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { createGunzip } from 'node:zlib'
import type { Readable } from 'node:stream'

/** A capture that cannot be read at all (missing, not a capture, truncated header). Exit code 66 at the CLI. */
export class CaptureError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'CaptureError'
  }
}

/** Bytes read from disk at a time; also the high-water mark of the gunzip stream. */
const CHUNK_BYTES = 64 * 1024

/**
 * Open `path` as a stream of (decompressed) bytes. Throws CaptureError when the file cannot be opened;
 * read errors later (a corrupt gzip member) surface from the iterator as CaptureError.
 */
export async function openCaptureStream(path: string): Promise<Readable> {
  let magic: Buffer
  try {
    const fh = await open(path, 'r')
    try {
      const b = Buffer.alloc(2)
      const { bytesRead } = await fh.read(b, 0, 2, 0)
      magic = b.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  } catch (e) {
    throw new CaptureError(`cannot open ${path}: ${(e as Error).message}`)
  }
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES })
  if (magic.length === 2 && magic[0] === 0x1f && magic[1] === 0x8b) {
    const gunzip = createGunzip({ chunkSize: CHUNK_BYTES })
    file.on('error', (e) => gunzip.destroy(e))
    return file.pipe(gunzip)
  }
  return file
}

/**
 * Pull reader over an async byte source. read(n) resolves to exactly n bytes, or to null at a clean
 * end of input; a partial record at the end is reported through `truncated` (captures cut short by a
 * killed tcpdump are common, and everything before the cut is still good).
 */
export class ByteReader {
  private readonly it: AsyncIterator<Buffer>
  private chunks: Buffer[] = []
  private have = 0
  private done = false
  /** Bytes consumed so far (for error messages). */
  position = 0
  /** Bytes left over at the end that did not make a whole record. */
  truncated = 0
  /** Why the input ended early, when it did not end cleanly. */
  endNote: string | null = null

  constructor(source: AsyncIterable<Buffer | string>) {
    this.it = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]()
  }

  /** Exactly n bytes, or null when the input ends first (then `truncated` holds the leftover count). */
  async read(n: number): Promise<Buffer | null> {
    if (n === 0) return Buffer.alloc(0)
    while (this.have < n && !this.done) {
      let r: IteratorResult<Buffer>
      try {
        r = await this.it.next()
      } catch (e) {
        // A .gz cut short (a capture still being written, a partial download) is a truncated capture:
        // what came before is good, so it ends the input like a short read instead of failing it.
        if ((e as { code?: string }).code !== 'Z_BUF_ERROR') {
          throw new CaptureError(`read error at byte ${this.position + this.have}: ${(e as Error).message}`)
        }
        this.endNote = `compressed data ends early after ${this.position + this.have} octets (${(e as Error).message})`
        this.done = true
        break
      }
      if (r.done) {
        this.done = true
        break
      }
      const c = typeof r.value === 'string' ? Buffer.from(r.value, 'latin1') : r.value
      if (c.length) {
        this.chunks.push(c)
        this.have += c.length
      }
    }
    if (this.have < n) {
      this.truncated = this.have
      return null
    }
    let out: Buffer
    const first = this.chunks[0]!
    if (first.length >= n) {
      out = first.subarray(0, n)
      if (first.length === n) this.chunks.shift()
      else this.chunks[0] = first.subarray(n)
    } else {
      out = Buffer.allocUnsafe(n)
      let o = 0
      while (o < n) {
        const c = this.chunks[0]!
        const take = Math.min(c.length, n - o)
        c.copy(out, o, 0, take)
        o += take
        if (take === c.length) this.chunks.shift()
        else this.chunks[0] = c.subarray(take)
      }
    }
    this.have -= n
    this.position += n
    return out
  }

  /** Skip n bytes; false when the input ended first. */
  async skip(n: number): Promise<boolean> {
    // Chunk by chunk, so skipping a large block never concatenates it.
    let left = n
    while (left > 0) {
      const step = Math.min(left, CHUNK_BYTES)
      if ((await this.read(step)) === null) return false
      left -= step
    }
    return true
  }

  /** Stop reading (closes the underlying stream when the consumer breaks out early). */
  async close(): Promise<void> {
    this.done = true
    this.chunks = []
    await this.it.return?.()
  }
}

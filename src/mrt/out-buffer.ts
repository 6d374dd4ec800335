/**
 * An append-only byte buffer for NDJSON output. `decode --mrt` of a full table writes ~250 MB of
 * text; building it as JS strings meant V8 walking every line's string tree and UTF-8 encoding it
 * at write time (a third of the run). Here the repeated pieces are Buffers copied as they are and
 * numbers are written as digits, so each output octet is produced once.
 *
 * take() hands the filled part to the caller and starts a fresh buffer: a Writable may keep a
 * written chunk queued, so a handed-out buffer is never written to again.
 */
export class OutBuffer {
  buf: Buffer
  pos = 0
  private readonly size: number

  constructor(size = 256 * 1024) {
    this.size = size
    this.buf = Buffer.allocUnsafe(size)
  }

  private grow(n: number): void {
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n))
    this.buf.copy(next, 0, 0, this.pos)
    this.buf = next
  }

  /** Append the octets of `b`. */
  bytes(b: Buffer): void {
    const n = b.length
    if (this.pos + n > this.buf.length) this.grow(n)
    if (n < 32) {
      // a native copy costs more than a short loop
      const d = this.buf
      let p = this.pos
      for (let i = 0; i < n; i++) d[p++] = b[i]!
      this.pos = p
    } else {
      // TypedArray#set: a plain memcpy, without Buffer#copy's argument checks
      this.buf.set(b, this.pos)
      this.pos += n
    }
  }

  /** Append `s` as UTF-8. */
  text(s: string): void {
    const max = s.length * 3
    if (this.pos + max > this.buf.length) this.grow(max)
    this.pos += this.buf.write(s, this.pos, 'utf8')
  }

  /** Append a non-negative integer below 2^53 in decimal. */
  uint(v: number): void {
    if (this.pos + 16 > this.buf.length) this.grow(16)
    const d = this.buf
    if (v < 10) {
      d[this.pos++] = 48 + v
      return
    }
    let n = 0
    for (let x = v; x >= 1; x = Math.floor(x / 10)) n++
    let p = this.pos + n
    this.pos = p
    for (let x = v; x >= 1; x = Math.floor(x / 10)) d[--p] = 48 + (x % 10)
  }

  byte(c: number): void {
    if (this.pos + 1 > this.buf.length) this.grow(1)
    this.buf[this.pos++] = c
  }

  /** The octets written since the last take(); the buffer is not touched again. */
  take(): Buffer {
    const out = this.buf.subarray(0, this.pos)
    this.buf = Buffer.allocUnsafe(this.size)
    this.pos = 0
    return out
  }

  toString(): string {
    return this.buf.toString('utf8', 0, this.pos)
  }
}

/** The octets of an ASCII/UTF-8 constant, made once. */
export function lit(s: string): Buffer {
  return Buffer.from(s, 'utf8')
}

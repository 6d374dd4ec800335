/**
 * BGP messages out of reassembled TCP streams (RFC 4271 §4.1 framing, §6.1 synchronization).
 *
 *   stream bytes ──► [16 × 0xff | Length | Type | body] [16 × 0xff | ...] ...
 *                         │ framed with header.ts frameMessage (same checks as MessageReader)
 *                         ▼
 *                    decodeMessage(bytes, ctx of this direction) ──► record
 *
 * A live session closes on the first framing error (RFC 4271 §6.1 "Connection Not Synchronized");
 * a capture reader must go on. So framing is done here rather than with MessageReader (which stays
 * failed by design): on a bad marker, a bad length or a capture gap the direction says so once
 * (a `desync` record) and scans for the next 16 × 0xff marker whose length field is plausible.
 * A message that frames but does not decode is an `error` record; decoding goes on after it,
 * because its length field told us where the next message starts.
 *
 * The WireContext of each direction is relearned from the OPENs of its TCP connection
 * (session-context.ts); a new connection (fresh SYN) forgets them.
 */
import type { WireContext } from '../wire/context.js'
import { BgpError } from '../wire/errors.js'
import { frameMessage } from '../wire/header.js'
import { HEADER_LENGTH, MARKER_LENGTH, MessageType, MessageTypeName } from '../wire/iana.js'
import { decodeMessage } from '../wire/message.js'
import type { Message, Open } from '../wire/types.js'
import type { StreamChunk } from './reassembly.js'
import { contextFromOpens, contextFromOverrides, type ContextOverrides } from './session-context.js'

interface RecordBase {
  ts: number
  /** "addr:port" of the sender and receiver. */
  src: string
  dst: string
  streamId: string
}

export type BgpRecord =
  | (RecordBase & { kind: 'message'; message: Message; bytes: Buffer; ctx: WireContext })
  | (RecordBase & { kind: 'error'; typeName: string | undefined; error: BgpError; bytes: Buffer; ctx: WireContext })
  | (RecordBase & { kind: 'desync'; reason: string })
  | (RecordBase & { kind: 'truncated'; reason: string })
  /** A context decision the reader made without the OPENs (said once per direction). */
  | (RecordBase & { kind: 'context'; reason: string })

const MARKER = Buffer.alloc(MARKER_LENGTH, 0xff)
/** Largest length field accepted while resynchronizing (RFC 8654 maximum). */
const MAX_ANY_LENGTH = 65535
const MIDSTREAM = 'capture starts inside the stream (no SYN seen), not at a message boundary'

interface Direction {
  /** Unconsumed octets (a suffix of what was pushed). */
  buf: Buffer
  /** false while scanning for a marker after a desync. */
  synced: boolean
  /** The OPEN this direction's sender sent, once seen. */
  open: Open | null
  ctx: WireContext
  /** The capture began inside this direction (no SYN) and no message has framed yet. */
  midstream: boolean
  /** as4 was inferred from an UPDATE, not from the OPENs. */
  as4Guessed: boolean
  streamId: string
  src: string
  dst: string
  lastTs: number
}

interface Connection {
  dirs: [Direction, Direction]
}

export class BgpStreamDecoder {
  private readonly conns = new Map<string, Connection>()
  private readonly base: WireContext

  constructor(private readonly overrides: ContextOverrides = {}) {
    this.base = contextFromOverrides(overrides)
  }

  /** Feed one in-order chunk; returns the records it completes. */
  push(c: StreamChunk): BgpRecord[] {
    const out: BgpRecord[] = []
    let conn = this.conns.get(c.connId)
    if (c.end) {
      if (conn !== undefined) this.finishConnection(conn, out)
      this.conns.delete(c.connId)
      return out
    }
    if (conn === undefined || c.start) {
      if (conn !== undefined) this.finishConnection(conn, out)
      conn = this.newConnection(c)
      this.conns.set(c.connId, conn)
    }
    const d = conn.dirs[c.dir]
    d.lastTs = c.ts
    if (c.gap) {
      // The octets before this chunk were lost: whatever partial message we hold is unusable.
      this.desync(d, c.ts, `capture gap${c.missing !== undefined ? ` of ${c.missing} octets` : ''}`, out)
      d.buf = c.bytes
    } else {
      d.buf = d.buf.length === 0 ? c.bytes : Buffer.concat([d.buf, c.bytes])
    }
    if (c.midstream) d.midstream = true
    this.drain(conn, c.dir, c.ts, out)
    return out
  }

  /** End of input: report directions that stop inside a message. */
  finish(): BgpRecord[] {
    const out: BgpRecord[] = []
    for (const conn of this.conns.values()) this.finishConnection(conn, out)
    this.conns.clear()
    return out
  }

  private newConnection(c: StreamChunk): Connection {
    const [a, b] = c.streamId.split('>') as [string, string]
    const mk = (streamId: string, src: string, dst: string): Direction => ({
      buf: Buffer.alloc(0),
      synced: true,
      open: null,
      ctx: this.base,
      as4Guessed: false,
      midstream: false,
      streamId,
      src,
      dst,
      lastTs: c.ts,
    })
    const fwd = mk(c.streamId, a, b)
    const rev = mk(`${b}>${a}`, b, a)
    return { dirs: c.dir === 0 ? [fwd, rev] : [rev, fwd] }
  }

  private finishConnection(conn: Connection, out: BgpRecord[]): void {
    for (const d of conn.dirs) {
      if (d.buf.length === 0) continue
      const what = d.synced ? 'an incomplete message' : 'unsynchronized octets'
      out.push({ kind: 'truncated', ts: d.lastTs, src: d.src, dst: d.dst, streamId: d.streamId, reason: `stream ends with ${d.buf.length} octets of ${what}` })
      d.buf = Buffer.alloc(0)
    }
  }

  private desync(d: Direction, ts: number, reason: string, out: BgpRecord[]): void {
    if (d.synced) out.push({ kind: 'desync', ts, src: d.src, dst: d.dst, streamId: d.streamId, reason })
    d.synced = false
  }

  private drain(conn: Connection, dir: 0 | 1, ts: number, out: BgpRecord[]): void {
    const d = conn.dirs[dir]
    for (;;) {
      if (!d.synced && !this.resync(d)) return
      const f = frameMessage(d.buf, 0, d.buf.length, d.ctx.maxMessageLength)
      if (f.kind === 'need') return
      if (f.kind === 'error') {
        this.desync(d, ts, d.midstream ? `${MIDSTREAM}: ${f.error.message}` : f.error.message, out)
        d.midstream = false
        d.buf = d.buf.subarray(1)
        continue
      }
      d.midstream = false
      const bytes = d.buf.subarray(0, f.length)
      d.buf = d.buf.subarray(f.length)
      let decoded = tryDecode(bytes, d.ctx)
      if (f.type === MessageType.UPDATE && this.mayGuessAs4(conn) && !isClean(decoded)) {
        // No OPEN pair to say whether AS_PATH carries 2- or 4-octet ASNs (RFC 6793 §4): if the UPDATE only
        // parses cleanly the other way, the session evidently negotiated that; keep it for this direction.
        const alt: WireContext = { ...d.ctx, as4: !d.ctx.as4 }
        const again = tryDecode(bytes, alt)
        if (isClean(again)) {
          d.ctx = alt
          d.as4Guessed = true
          decoded = again
          const reason = `no OPEN pair seen; AS_PATH parses only with ${alt.as4 ? '4' : '2'}-octet ASNs, using that for this direction`
          out.push({ kind: 'context', ts, src: d.src, dst: d.dst, streamId: d.streamId, reason })
        }
      }
      const rec = { ts, src: d.src, dst: d.dst, streamId: d.streamId, bytes, ctx: d.ctx }
      if (decoded instanceof BgpError) {
        out.push({ kind: 'error', ...rec, typeName: MessageTypeName[f.type], error: decoded })
      } else {
        out.push({ kind: 'message', ...rec, message: decoded })
        if (decoded.type === 'OPEN') this.learnOpen(conn, dir, decoded)
      }
      // A subarray of a large chunk would pin the chunk; copy the short tail once it is all that is left.
      if (d.buf.length !== 0 && d.buf.length < HEADER_LENGTH) d.buf = Buffer.from(d.buf)
    }
  }

  /**
   * Find the next marker followed by a length field in [19, 65535] and a known type; drop what is before it.
   * Keeps the last octets when no marker is found, since a marker may straddle chunks.
   */
  private resync(d: Direction): boolean {
    let from = 0
    for (;;) {
      const i = d.buf.indexOf(MARKER, from)
      if (i < 0) {
        const keep = Math.min(d.buf.length, HEADER_LENGTH - 1)
        d.buf = Buffer.from(d.buf.subarray(d.buf.length - keep))
        return false
      }
      // A run of more than 16 × 0xff fails the length check at i and matches again at i + 1.
      if (d.buf.length < i + HEADER_LENGTH) {
        d.buf = d.buf.subarray(i)
        return false
      }
      const len = d.buf.readUInt16BE(i + MARKER_LENGTH)
      const type = d.buf[i + MARKER_LENGTH + 2]!
      if (len >= HEADER_LENGTH && len <= MAX_ANY_LENGTH && MessageTypeName[type] !== undefined) {
        d.buf = d.buf.subarray(i)
        d.synced = true
        return true
      }
      from = i + 1
    }
  }

  /** The 4-octet AS question is open: no override, and not both OPENs of the connection seen. */
  private mayGuessAs4(conn: Connection): boolean {
    return this.overrides.as4 === undefined && (conn.dirs[0].open === null || conn.dirs[1].open === null)
  }

  private learnOpen(conn: Connection, dir: 0 | 1, open: Open): void {
    conn.dirs[dir].open = open
    const [a, b] = conn.dirs
    a.ctx = contextFromOpens(a.open, b.open, this.overrides)
    b.ctx = contextFromOpens(b.open, a.open, this.overrides)
    if (a.open === null || b.open === null) {
      // Until both OPENs are known, keep an earlier guess.
      if (a.as4Guessed) a.ctx = { ...a.ctx, as4: true }
      if (b.as4Guessed) b.ctx = { ...b.ctx, as4: true }
    } else {
      a.as4Guessed = b.as4Guessed = false
    }
  }
}

function tryDecode(bytes: Buffer, ctx: WireContext): Message | BgpError {
  try {
    return decodeMessage(bytes, 0, ctx).message
  } catch (e) {
    if (e instanceof BgpError) return e
    throw e
  }
}

function isClean(m: Message | BgpError): boolean {
  return !(m instanceof BgpError) && !(m.type === 'UPDATE' && m.errors !== undefined && m.errors.length !== 0)
}

/** Decode the BGP messages of reassembled streams. */
export async function* bgpMessages(chunks: AsyncIterable<StreamChunk>, overrides: ContextOverrides = {}): AsyncGenerator<BgpRecord> {
  const dec = new BgpStreamDecoder(overrides)
  for await (const c of chunks) yield* dec.push(c)
  yield* dec.finish()
}

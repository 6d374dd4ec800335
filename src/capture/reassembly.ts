/**
 * Per-direction TCP stream reassembly for captures (RFC 9293 §3.4 sequence numbers, §3.10.7.4
 * segment acceptance), reduced to what a passive reader can know.
 *
 *   next                                   pending (bounded, sorted by sequence number)
 *    |                                      |
 *    v                                      v
 *  ==delivered==|..missing..|[seg][seg]   [seg]
 *
 * - "A SYN segment ... the ISN ... the first data octet is ISN+1" (§3.4): a SYN fixes `next`.
 *   Without a SYN (capture started mid-connection) the first data segment fixes it.
 * - A segment starting before `next` is a retransmission or overlap: the already-delivered octets
 *   are cut off (first copy wins, as a receiver keeps what it acknowledged), and a full duplicate is dropped.
 * - A segment starting after `next` waits in `pending`. When pending exceeds its bounds, or at the end
 *   of the capture, the hole is declared lost: the next pending data is delivered with `gap: true`.
 * - A SYN with a new ISN on the same endpoints is a new connection (`start: true`); the old state is void.
 * - RST, or a FIN from both sides once all data before them arrived, ends the connection (`end: true`,
 *   pending data flushed). Connections are kept in least-recently-used order and the oldest is ended
 *   when there are more than `maxConnections` (a SYN scan of port 179 must not grow memory without bound).
 * Sequence arithmetic is modulo 2^32 (§3.4: "sequence numbers ... range from 0 to 2^32 - 1").
 */
import { endpoint, TcpFlag, type TcpSegment } from './tcp.js'

export interface StreamChunk {
  /** Both directions of a connection share it: the streamId of the first direction seen. */
  connId: string
  /** One direction: "198.51.100.1:179>203.0.113.2:51234". */
  streamId: string
  /** 0: the direction of the first segment seen on the connection; 1: the reverse. */
  dir: 0 | 1
  src: string
  dst: string
  ts: number
  /** In-order octets (may be empty for `start`). */
  bytes: Buffer
  /** Octets before `bytes` were never seen (lost, or before the capture started mid-message). */
  gap?: boolean
  /** How many octets the gap spans, when known. */
  missing?: number
  /** A new TCP connection (fresh SYN) replaced the previous one on these endpoints. */
  start?: boolean
  /** The first octets of a direction whose SYN was not captured. */
  midstream?: boolean
  /** The connection is over (RST, both FINs, or evicted); `bytes` is empty. */
  end?: boolean
}

export interface ReassemblyOptions {
  /** Most octets held out of order per direction (default 1 MiB). */
  maxPendingBytes?: number
  /** Most segments held out of order per direction (default 1024). */
  maxPendingSegments?: number
  /** Most connections tracked at once (default 65536); the least recently active is ended first. */
  maxConnections?: number
}

export interface ReassemblyStats {
  segments: number
  retransmitted: number
  outOfOrder: number
  gaps: number
  connections: number
  evicted: number
}

interface Pending {
  seq: number
  data: Buffer
  ts: number
}

interface Direction {
  streamId: string
  src: string
  dst: string
  isn: number | null
  next: number | null
  pending: Pending[]
  pendingBytes: number
  /** Sequence number of this direction's FIN, once seen. */
  finSeq: number | null
}

interface Connection {
  id: string
  dirs: [Direction, Direction]
  ended: boolean
}

/** Signed distance a - b in sequence space. */
function seqDiff(a: number, b: number): number {
  return (a - b) | 0
}

export class TcpReassembler {
  private readonly byStream = new Map<string, { conn: Connection; dir: 0 | 1 }>()
  /** Connections in least-recently-active order (Map iteration order is insertion order). */
  private readonly lru = new Map<Connection, true>()
  private readonly maxBytes: number
  private readonly maxSegments: number
  private readonly maxConnections: number
  readonly stats: ReassemblyStats = { segments: 0, retransmitted: 0, outOfOrder: 0, gaps: 0, connections: 0, evicted: 0 }

  constructor(opts: ReassemblyOptions = {}) {
    this.maxBytes = opts.maxPendingBytes ?? 1 << 20
    this.maxSegments = opts.maxPendingSegments ?? 1024
    this.maxConnections = opts.maxConnections ?? 65536
  }

  /** Feed one segment; returns the chunks it makes deliverable, in order. */
  push(s: TcpSegment): StreamChunk[] {
    this.stats.segments++
    const out: StreamChunk[] = []
    const a = endpoint(s.src, s.srcPort)
    const b = endpoint(s.dst, s.dstPort)
    const key = `${a}>${b}`
    const syn = (s.flags & TcpFlag.SYN) !== 0
    let entry = this.byStream.get(key)
    if (entry === undefined) {
      // A bare ACK/FIN/RST of a connection we never saw (or already ended) creates nothing.
      if (!syn && s.payload.length === 0) return out
      entry = this.open(key, a, b, `${b}>${a}`, s.ts, out)
    } else {
      this.lru.delete(entry.conn)
      this.lru.set(entry.conn, true)
    }
    let d = entry.conn.dirs[entry.dir]
    if (syn) {
      if (d.isn === s.seq) {
        // a retransmitted SYN: nothing new
      } else if (d.isn !== null || d.next !== null) {
        // A new ISN on the same endpoints: the old connection is gone (closed, reset, or a restart).
        this.end(entry.conn, s.ts, out)
        entry = this.open(key, a, b, `${b}>${a}`, s.ts, out)
        d = entry.conn.dirs[entry.dir]
        d.isn = s.seq
        d.next = (s.seq + 1) >>> 0
        out.push(this.chunk(entry.conn, entry.dir, s.ts, Buffer.alloc(0), { start: true }))
      } else {
        d.isn = s.seq
        d.next = (s.seq + 1) >>> 0
      }
    }
    const dataSeq = syn ? (s.seq + 1) >>> 0 : s.seq
    this.segmentData(entry.conn, entry.dir, s, dataSeq, out)
    const conn = entry.conn
    if (s.flags & TcpFlag.FIN) {
      // RFC 9293 §3.4: the FIN occupies the sequence number after the segment's data.
      d.finSeq = (dataSeq + s.payload.length) >>> 0
      // Nothing seen of this direction before its FIN: nothing known to be missing either.
      if (d.next === null) d.next = d.finSeq
    }
    if (s.flags & TcpFlag.RST) this.end(conn, s.ts, out)
    else if (conn.dirs.every((x) => x.finSeq !== null && x.next === x.finSeq)) this.end(conn, s.ts, out)
    return out
  }

  private segmentData(conn: Connection, dir: 0 | 1, s: TcpSegment, dataSeq: number, out: StreamChunk[]): void {
    const d = conn.dirs[dir]
    if (s.payload.length === 0) return
    let midstream = false
    if (d.next === null) {
      d.next = dataSeq
      midstream = true
    }
    const diff = seqDiff(dataSeq, d.next)
    if (diff <= 0) {
      if (-diff >= s.payload.length) {
        this.stats.retransmitted++
        return
      }
      if (diff < 0) this.stats.retransmitted++
      this.deliver(conn, dir, s.ts, s.payload.subarray(-diff), out, midstream ? { midstream: true } : {})
      this.drain(conn, dir, out)
      return
    }
    this.stats.outOfOrder++
    this.insertPending(d, { seq: dataSeq, data: s.payload, ts: s.ts })
    while (d.pending.length && (d.pendingBytes > this.maxBytes || d.pending.length > this.maxSegments)) {
      this.skipHole(conn, dir, out)
    }
  }

  /** End of capture: whatever is still waiting behind a hole is delivered after a gap; every connection ends. */
  flush(ts = 0): StreamChunk[] {
    const out: StreamChunk[] = []
    for (const conn of [...this.lru.keys()]) this.end(conn, ts, out)
    return out
  }

  private open(key: string, a: string, b: string, reverse: string, ts: number, out: StreamChunk[]): { conn: Connection; dir: 0 | 1 } {
    this.stats.connections++
    if (this.lru.size >= this.maxConnections) {
      const oldest = this.lru.keys().next().value!
      this.stats.evicted++
      this.end(oldest, ts, out)
    }
    const mk = (streamId: string, src: string, dst: string): Direction => ({
      streamId,
      src,
      dst,
      isn: null,
      next: null,
      pending: [],
      pendingBytes: 0,
      finSeq: null,
    })
    const conn: Connection = { id: key, dirs: [mk(key, a, b), mk(reverse, b, a)], ended: false }
    const entry = { conn, dir: 0 as const }
    this.byStream.set(key, entry)
    this.byStream.set(reverse, { conn, dir: 1 })
    this.lru.set(conn, true)
    return entry
  }

  /** Flush what waits behind holes, say the connection is over, and forget it. */
  private end(conn: Connection, ts: number, out: StreamChunk[]): void {
    if (conn.ended) return
    conn.ended = true
    for (const dir of [0, 1] as const) {
      while (conn.dirs[dir].pending.length) this.skipHole(conn, dir, out)
    }
    out.push(this.chunk(conn, 0, ts, Buffer.alloc(0), { end: true }))
    this.lru.delete(conn)
    for (const d of conn.dirs) if (this.byStream.get(d.streamId)?.conn === conn) this.byStream.delete(d.streamId)
  }

  private insertPending(d: Direction, p: Pending): void {
    // Sorted by distance from `next`, so wrap-around sorts right; captures rarely hold more than a few.
    const key = seqDiff(p.seq, d.next!)
    let i = d.pending.length
    while (i > 0 && seqDiff(d.pending[i - 1]!.seq, d.next!) > key) i--
    d.pending.splice(i, 0, p)
    d.pendingBytes += p.data.length
  }

  /** Deliver pending segments that now touch or overlap `next`. */
  private drain(conn: Connection, dir: 0 | 1, out: StreamChunk[]): void {
    const d = conn.dirs[dir]
    while (d.pending.length) {
      const p = d.pending[0]!
      const diff = seqDiff(p.seq, d.next!)
      if (diff > 0) return
      d.pending.shift()
      d.pendingBytes -= p.data.length
      if (-diff >= p.data.length) {
        this.stats.retransmitted++
        continue
      }
      this.deliver(conn, dir, p.ts, p.data.subarray(-diff), out, {})
    }
  }

  /** Give up on the hole before the first pending segment. */
  private skipHole(conn: Connection, dir: 0 | 1, out: StreamChunk[]): void {
    const d = conn.dirs[dir]
    const p = d.pending.shift()!
    d.pendingBytes -= p.data.length
    const missing = seqDiff(p.seq, d.next!)
    this.stats.gaps++
    d.next = p.seq
    this.deliver(conn, dir, p.ts, p.data, out, { gap: true, missing })
    this.drain(conn, dir, out)
  }

  private deliver(conn: Connection, dir: 0 | 1, ts: number, bytes: Buffer, out: StreamChunk[], extra: Partial<StreamChunk>): void {
    const d = conn.dirs[dir]
    d.next = (d.next! + bytes.length) >>> 0
    out.push(this.chunk(conn, dir, ts, bytes, extra))
  }

  private chunk(conn: Connection, dir: 0 | 1, ts: number, bytes: Buffer, extra: Partial<StreamChunk>): StreamChunk {
    const d = conn.dirs[dir]
    return { connId: conn.id, streamId: d.streamId, dir, src: d.src, dst: d.dst, ts, bytes, ...extra }
  }
}

/** Reassemble a segment stream into in-order chunks per direction. */
export async function* reassemble(segments: AsyncIterable<TcpSegment>, opts: ReassemblyOptions & { stats?: (s: ReassemblyStats) => void } = {}): AsyncGenerator<StreamChunk> {
  const r = new TcpReassembler(opts)
  let ts = 0
  for await (const s of segments) {
    ts = s.ts
    yield* r.push(s)
  }
  yield* r.flush(ts)
  opts.stats?.(r.stats)
}

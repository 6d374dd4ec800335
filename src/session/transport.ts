/**
 * The TCP edge of one BGP connection (RFC 4271 §8: "BGP uses TCP [RFC793] as its transport
 * protocol"), and the only file that touches net.Socket.
 *
 *   socket 'data' ──▶ MessageReader (framing, §4.1) ──▶ decodeMessage(rxContext) ──▶ handlers.message
 *                                    └─ header error ─▶ handlers.decodeError (BGPHeaderErr, §6.1)
 *   send(message, txContext) / sendRaw(buffers) ──▶ socket.write ──▶ 'drain' ──▶ handlers.progress / drain
 *
 * Back-pressure (as OpenBGPD's SESS_MSG_HIGH_MARK / LOW_MARK): above `highWaterMark` queued octets
 * the transport reports `writable === false` until the queue falls to `lowWaterMark`, then calls
 * `handlers.drain`. Producers of bulk UPDATEs (Adj-RIB-Out) pause and resume on it; control
 * messages (OPEN, KEEPALIVE, NOTIFICATION) are always written. A producer that ignores the signal
 * and pushes past `hardLimit` gets an error instead of unbounded memory.
 *
 * Dialing (connectTcp) lives here too, so net.Socket is created in this file only; sockets carrying
 * TCP MD5 / GTSM are made by sockopts.ts as file descriptors and wrapped here.
 *
 * Fairness: at most `maxMessagesPerTick` messages are decoded per event-loop turn; then the socket
 * pauses and processing resumes in setImmediate, so timers (KEEPALIVE, hold) still fire during a
 * full-table burst (OpenBGPD's MSG_PROCESS_LIMIT).
 */
import { connect as netConnect, Socket } from 'node:net'
import { performance } from 'node:perf_hooks'
import { DEFAULT_CONTEXT, type WireContext } from '../wire/context.js'
import { BgpError } from '../wire/errors.js'
import { decodeMessage, encodeMessage, MessageReader } from '../wire/message.js'
import type { Message } from '../wire/types.js'
import { secureConnect, type SecurityOptions } from './sockopts.js'

export const DEFAULT_HIGH_WATER_MARK = 1024 * 1024
export const DEFAULT_LOW_WATER_MARK = 256 * 1024
/** Multiple of the high-water mark past which sendRaw refuses (the caller ignored `writable`). */
export const HARD_LIMIT_FACTOR = 8
export const DEFAULT_MAX_MESSAGES_PER_TICK = 1000
/** How long a closing connection may take to flush its last NOTIFICATION before it is destroyed. */
export const DEFAULT_LINGER_MS = 2000
/** SendProgress is reported at most this often while writes complete (RFC 9687 timers are minutes). */
const PROGRESS_INTERVAL_MS = 1000

export interface TransportOptions {
  highWaterMark?: number
  lowWaterMark?: number
  maxMessagesPerTick?: number
  lingerMs?: number
}

export type Direction = 'rx' | 'tx'

export interface TransportHandlers {
  /** A decoded message; `raw` is its exact bytes (header included). */
  message(message: Message, raw: Buffer): void
  /** A framing or decode fault: the FSM turns it into its NOTIFICATION (RFC 4271 §6). */
  decodeError(error: BgpError, raw: Buffer | null): void
  /** The peer closed, reset or the socket failed (not after our own close()). */
  closed(reason: string): void
  /** Queued octets fell to the low-water mark after the high-water mark was crossed. */
  drain(): void
  /** Queued octets reached the peer's socket (RFC 9687 SendProgress). */
  progress(): void
  /** Every message's raw bytes, both directions (capture, tests). */
  raw?(direction: Direction, bytes: Buffer): void
}

export class Transport {
  /** Decoding context of the receive direction; the owner updates it as soon as the OPENs are negotiated. */
  rxContext: WireContext = DEFAULT_CONTEXT
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localAddress: string
  readonly localPort: number
  /** Resolves once the socket is fully closed. */
  readonly done: Promise<void>

  private readonly reader = new MessageReader()
  private readonly high: number
  private readonly low: number
  private readonly maxPerTick: number
  private readonly lingerMs: number
  private blocked = false
  private closing = false
  private failed = false
  private immediate: NodeJS.Immediate | null = null
  private linger: NodeJS.Timeout | null = null
  private lastProgress = 0
  private readonly drainListeners = new Set<() => void>()

  constructor(
    private readonly socket: Socket,
    private readonly handlers: TransportHandlers,
    o: TransportOptions = {},
  ) {
    this.high = o.highWaterMark ?? DEFAULT_HIGH_WATER_MARK
    this.low = Math.min(o.lowWaterMark ?? DEFAULT_LOW_WATER_MARK, this.high)
    this.maxPerTick = o.maxMessagesPerTick ?? DEFAULT_MAX_MESSAGES_PER_TICK
    this.lingerMs = o.lingerMs ?? DEFAULT_LINGER_MS
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? '')
    this.remotePort = socket.remotePort ?? 0
    this.localAddress = normalizeAddress(socket.localAddress ?? '')
    this.localPort = socket.localPort ?? 0
    // RFC 4271 messages are small and latency matters more than segment count (KEEPALIVEs).
    socket.setNoDelay(true)
    // A socket may be gone already (closed while an accepted connection waited for its socket options).
    this.done = socket.closed ? Promise.resolve() : new Promise((resolve) => socket.once('close', () => resolve()))
    socket.on('data', this.onData)
    socket.on('drain', this.onSocketDrain)
    socket.on('error', this.onError)
    socket.on('end', this.onEnd)
    socket.on('close', this.onClose)
  }

  /** Octets handed to the socket and not yet written to the kernel. */
  get queuedBytes(): number {
    return this.socket.writableLength
  }

  /** False above the high-water mark until the queue drains to the low-water mark. */
  get writable(): boolean {
    return !this.blocked && !this.closing
  }

  get isClosing(): boolean {
    return this.closing
  }

  /** Subscribe to the low-water crossing; returns the unsubscribe function. */
  onDrain(cb: () => void): () => void {
    this.drainListeners.add(cb)
    return () => this.drainListeners.delete(cb)
  }

  /** Raise the framing limit once RFC 8654 Extended Messages are negotiated. */
  setMaxMessageLength(n: number): void {
    this.reader.setMaxLength(n)
  }

  /** Encode and write one message (control messages are never refused). Returns `writable`. */
  send(message: Message, txContext: WireContext): boolean {
    if (this.closing) return false
    const bytes = encodeMessage(message, txContext)
    this.handlers.raw?.('tx', bytes)
    this.write(bytes)
    return this.writable
  }

  /** Write pre-encoded messages (UPDATEs from the Adj-RIB-Out). Returns `writable`. */
  sendRaw(messages: readonly Buffer[]): boolean {
    if (this.closing) return false
    if (this.queuedBytes > this.high * HARD_LIMIT_FACTOR) {
      throw new Error(`write queue holds ${this.queuedBytes} octets, past ${HARD_LIMIT_FACTOR}x the high-water mark: the producer ignored back-pressure`)
    }
    // One writev for the whole batch instead of a write per message (a full table is ~1000 UPDATEs per 1M
    // IPv4 prefixes at 4096 octets; at 65535 with RFC 8654 fewer, but then each is large).
    const cork = messages.length > 1
    if (cork) this.socket.cork()
    for (const m of messages) {
      this.handlers.raw?.('tx', m)
      this.write(m)
    }
    if (cork) this.socket.uncork()
    return this.writable
  }

  /**
   * Close after the queued octets are written (the last NOTIFICATION goes out, RFC 4271 §4.5:
   * "the BGP connection is closed immediately after it is sent"); `flush: false` resets at once
   * (RFC 9687: a peer that does not read gets no NOTIFICATION). No handler runs afterwards.
   */
  close(flush = true): void {
    if (this.closing) return
    this.closing = true
    this.stopProcessing()
    if (!flush || this.socket.destroyed) {
      this.socket.destroy()
      return
    }
    this.socket.end()
    this.linger = setTimeout(() => this.socket.destroy(), this.lingerMs)
    this.linger.unref()
  }

  private write(bytes: Buffer): void {
    this.socket.write(bytes, this.afterWrite)
    if (!this.blocked && this.socket.writableLength >= this.high) this.blocked = true
  }

  private readonly afterWrite = (err?: Error | null): void => {
    if (err || this.closing) return
    const now = performance.now()
    if (now - this.lastProgress >= PROGRESS_INTERVAL_MS) {
      this.lastProgress = now
      this.handlers.progress()
    }
    this.maybeUnblock()
  }

  private readonly onSocketDrain = (): void => {
    if (this.closing) return
    this.lastProgress = performance.now()
    this.handlers.progress()
    this.maybeUnblock()
  }

  private maybeUnblock(): void {
    if (!this.blocked || this.socket.writableLength > this.low) return
    this.blocked = false
    this.handlers.drain()
    for (const cb of this.drainListeners) cb()
  }

  private readonly onData = (chunk: Buffer): void => {
    this.reader.push(chunk)
    this.pump()
  }

  private pump(): void {
    let n = 0
    while (!this.closing && !this.failed && this.immediate === null) {
      if (n >= this.maxPerTick) {
        // Yield to timers and I/O; the socket stays paused so the reader does not grow meanwhile.
        this.socket.pause()
        this.immediate = setImmediate(() => {
          this.immediate = null
          if (this.closing) return
          this.socket.resume()
          this.pump()
        })
        return
      }
      const r = this.reader.next()
      if (r.kind === 'need') return
      if (r.kind === 'error') {
        this.failed = true
        this.handlers.decodeError(r.error, null)
        return
      }
      n++
      this.handlers.raw?.('rx', r.bytes)
      let message: Message
      try {
        message = decodeMessage(r.bytes, 0, this.rxContext).message
      } catch (e) {
        if (!(e instanceof BgpError)) throw e
        this.failed = true
        this.handlers.decodeError(e, r.bytes)
        return
      }
      this.handlers.message(message, r.bytes)
    }
  }

  private stopProcessing(): void {
    if (this.immediate !== null) {
      clearImmediate(this.immediate)
      this.immediate = null
    }
  }

  private readonly onError = (err: Error): void => {
    this.lost(`TCP error: ${err.message}`)
  }

  private readonly onEnd = (): void => {
    // The peer sent FIN. Half-open BGP connections are of no use: close our side too.
    this.lost('TCP connection closed by the peer')
  }

  private readonly onClose = (): void => {
    if (this.linger !== null) clearTimeout(this.linger)
    this.lost('TCP connection closed')
  }

  private lost(reason: string): void {
    if (this.closing) return
    this.closing = true
    this.stopProcessing()
    this.socket.destroy()
    this.handlers.closed(reason)
  }
}

/** "::ffff:192.0.2.1" (IPv4 on a dual-stack socket) → "192.0.2.1". */
export function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a
}

export interface ConnectOptions extends SecurityOptions {
  host: string
  port: number
  localAddress?: string
  /** Used only with MD5/GTSM (the plain path ends when the FSM aborts it). */
  timeoutMs: number
  signal: AbortSignal
}

/**
 * "initiates a TCP connection to the other BGP peer" (RFC 4271 §8.2.2). Plain net.connect, or a
 * socket carrying MD5 / GTSM from its SYN on (sockopts.ts), wrapped as a net.Socket. The signal
 * aborts an attempt in progress.
 */
export function connectTcp(o: ConnectOptions): Promise<Socket> {
  if (o.password !== undefined || o.ttlSecurityHops !== undefined || o.ttl !== undefined) {
    return secureConnect(o).then((fd) => new Socket({ fd, readable: true, writable: true }))
  }
  return new Promise((resolve, reject) => {
    const s = netConnect({ host: o.host, port: o.port, localAddress: o.localAddress })
    const cleanup = (): void => {
      s.off('error', onError)
      s.off('connect', onConnect)
      o.signal.removeEventListener('abort', onAbort)
    }
    const onError = (e: Error): void => {
      cleanup()
      reject(e)
    }
    const onAbort = (): void => {
      cleanup()
      // Settle once the socket is really closed: Peer.close() waits for its dials this way.
      s.once('close', () => reject(new Error('connect aborted')))
      s.destroy()
    }
    const onConnect = (): void => {
      cleanup()
      resolve(s)
    }
    s.once('error', onError)
    s.once('connect', onConnect)
    o.signal.addEventListener('abort', onAbort, { once: true })
  })
}

/**
 * A configured BGP peer: up to two TCP connections, each with its own FSM (RFC 4271 §8: "the
 * local system ... may have two connections to the same peer"), and connection collision
 * detection between them (RFC 4271 §6.8, collision.ts).
 *
 *              ┌────────────── Peer ───────────────┐
 *   dial ─────▶│ outgoing: FsmDriver + Transport    │──┐ resolveCollision() at OpenConfirm:
 *   listener ─▶│ incoming: FsmDriver + Transport    │──┘ the loser gets OpenCollisionDump (Event 23)
 *              └─▶ events: stateChange, established, update, notification*, drain, warning
 *
 * Our choices where §8 leaves room:
 * - The outgoing FSM follows the configuration (ManualStart, automatic restart after IdleHoldTime);
 *   an incoming FSM is created per accepted connection (passive start + TcpConnectionConfirmed) and
 *   discarded once it leaves OpenSent/OpenConfirm/Established.
 * - While one connection is Established, an outgoing FSM still waiting for TCP is stopped; it is
 *   started again (AutomaticStart) when the session is lost and no other connection carries it.
 * - With TCP MD5 configured, connection attempts that time out repeatedly are reported once as a
 *   probable password mismatch (RFC 2385 §2: segments failing verification are dropped silently),
 *   with the kernel's MD5 counters saying which side.
 */
import { EventEmitter } from 'node:events'
import type { Socket } from 'node:net'
import { DEFAULT_CONTEXT } from '../wire/context.js'
import { MAX_EXTENDED_MESSAGE_LENGTH } from '../wire/iana.js'
import type { Message, RouteRefresh, Update } from '../wire/types.js'
import type { Action, NotificationInfo, SessionEvent } from './actions.js'
import { type ConnectionDirection, resolveCollision } from './collision.js'
import { type SessionConfig, type SessionConfigInput, sessionConfig } from './config.js'
import type { FsmEvent } from './events.js'
import { errorEvent, messageEvent, startEvent } from './fsm.js'
import type { NegotiatedSession } from './negotiate.js'
import { explainMd5, handleFd, loadLibc, md5Grew, type Md5Counters, readMd5Counters, setMinTtl, setTtl } from './sockopts.js'
import type { FsmStateName, SessionState } from './state.js'
import { FsmDriver } from './timers.js'
import { connectTcp, type Direction, normalizeAddress, Transport, type TransportOptions } from './transport.js'

export const BGP_PORT = 179
/** Connection attempts timing out with MD5 configured before the mismatch warning. */
export const DEFAULT_MD5_WARN_AFTER = 2
/** stop() waits at most this long for the Cease to be flushed. */
const STOP_WAIT_MS = 3000
/** close() waits at most this long for every socket to be closed (a transport lingers DEFAULT_LINGER_MS at most). */
const CLOSE_WAIT_MS = 5000

export interface PeerOptions {
  session: SessionConfigInput
  remoteAddress: string
  remotePort?: number
  localAddress?: string
  /** RFC 2385 TCP MD5 key. */
  password?: string
  /** RFC 5082 GTSM; true = directly connected (1 hop). */
  ttlSecurity?: boolean | { hops: number }
  /** Outbound TTL / hop limit, 1..255 (eBGP single hop 1, multihop n); unset = kernel default. Not with ttlSecurity. */
  ttl?: number
  transport?: TransportOptions
  md5WarnAfter?: number
  /**
   * A passive peer with a password makes no attempts to count: every this many ms (default: the ConnectRetry
   * time) while not Established, the kernel's MD5 drop counters are read, and their growth is reported once.
   */
  md5WatchMs?: number
  /** Raw bytes of every message, both directions (capture, tests). */
  onRawMessage?: (direction: Direction, bytes: Buffer, connection: ConnectionDirection) => void
}

export interface PeerStateChange {
  from: FsmStateName
  to: FsmStateName
  event: string
  reason: string
  connection: ConnectionDirection
}

export interface PeerEventMap {
  stateChange: [change: PeerStateChange]
  established: [session: NegotiatedSession, connection: ConnectionDirection]
  notificationSent: [notification: NotificationInfo, connection: ConnectionDirection]
  notificationReceived: [notification: NotificationInfo, connection: ConnectionDirection]
  update: [update: Update]
  routeRefresh: [message: RouteRefresh]
  /** RFC 4271 §8.2.2 "deletes all routes associated with this connection" (graceful: keep as stale). */
  routesDeleted: [info: { graceful: boolean }]
  collision: [info: { close: ConnectionDirection; reason: string }]
  /** The established connection's write queue fell to the low-water mark: resume sending. */
  drain: []
  warning: [message: string]
  error: [error: Error]
}

const RANK: Record<FsmStateName, number> = { Idle: 0, Connect: 1, Active: 1, OpenSent: 2, OpenConfirm: 3, Established: 4 }

class Connection {
  readonly driver: FsmDriver
  transport: Transport | null = null
  dial: AbortController | null = null
  constructor(
    readonly direction: ConnectionDirection,
    cfg: SessionConfig,
    sink: (c: Connection, actions: Action[], s: SessionState) => void,
  ) {
    this.driver = new FsmDriver(cfg, (a, s) => sink(this, a, s))
  }
  get state(): FsmStateName {
    return this.driver.state.state
  }
}

export class Peer extends EventEmitter<PeerEventMap> {
  readonly config: SessionConfig
  readonly remoteAddress: string
  readonly remotePort: number
  readonly localAddress: string | undefined
  readonly password: string | undefined
  readonly ttlSecurityHops: number | undefined
  readonly ttl: number | undefined
  private outgoing: Connection | null = null
  private incoming: Connection | null = null
  private started = false
  private closed = false
  private md5Timeouts = 0
  private md5Warned = false
  private md5Watch: NodeJS.Timeout | null = null
  private md5Baseline: Md5Counters | null = null
  /** One promise per socket of this peer not yet fully closed (transports, dials, refused accepts). */
  private readonly open = new Set<Promise<void>>()

  constructor(private readonly opts: PeerOptions) {
    super()
    this.config = sessionConfig(opts.session)
    this.remoteAddress = normalizeAddress(opts.remoteAddress)
    this.remotePort = opts.remotePort ?? BGP_PORT
    this.localAddress = opts.localAddress
    this.password = opts.password
    const t = opts.ttlSecurity
    this.ttlSecurityHops = t === undefined || t === false ? undefined : t === true ? 1 : t.hops
    if (opts.ttl !== undefined && (!Number.isInteger(opts.ttl) || opts.ttl < 1 || opts.ttl > 255)) throw new RangeError(`ttl ${opts.ttl} is not in 1..255`)
    if (opts.ttl !== undefined && this.ttlSecurityHops !== undefined) throw new RangeError('ttl cannot be combined with ttlSecurity (GTSM sends TTL 255)')
    this.ttl = opts.ttl
  }

  /** The most advanced connection's state (Established when a session is up). */
  get state(): FsmStateName {
    let best: FsmStateName = this.started && this.config.passive ? 'Active' : 'Idle'
    for (const c of this.conns()) if (RANK[c.state] > RANK[best]) best = c.state
    return best
  }

  /** The negotiated session of the Established connection, or null. */
  get session(): NegotiatedSession | null {
    return this.establishedConnection()?.driver.state.negotiated ?? null
  }

  get connections(): Array<{ direction: ConnectionDirection; state: FsmStateName }> {
    return this.conns().map((c) => ({ direction: c.direction, state: c.state }))
  }

  /**
   * Local address and port of the Established connection (what "next hop self" advertises, RFC 4271 §5.1.3),
   * or null without a session. `localAddress` is only what was configured for dialling.
   */
  get localEndpoint(): { address: string; port: number } | null {
    const t = this.establishedConnection()?.transport
    return t == null ? null : { address: t.localAddress, port: t.localPort }
  }

  /** False while the established connection's write queue is above its high-water mark. */
  get writable(): boolean {
    return this.establishedConnection()?.transport?.writable ?? false
  }

  get usesSockopts(): boolean {
    return this.password !== undefined || this.ttlSecurityHops !== undefined || this.ttl !== undefined
  }

  /** ManualStart (Event 1), or Event 4 for a passive peer. Rejects when MD5/GTSM cannot be set here. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('peer is closed')
    if (this.started) return
    if (this.usesSockopts) await loadLibc()
    if (this.password !== undefined) this.md5Baseline = readMd5Counters()
    this.started = true
    if (this.config.passive) {
      if (this.password !== undefined) this.watchPassiveMd5()
      return
    }
    this.outgoing ??= this.newConnection('outgoing', this.config)
    this.outgoing.driver.dispatch(startEvent(this.config, { automatic: false }))
  }

  /** ManualStop (Event 2): Cease (RFC 4486 subcode, RFC 9003 message) on every connection. */
  async stop(o: { subcode?: number; message?: string; data?: Uint8Array; hardReset?: boolean } = {}): Promise<void> {
    this.started = false
    this.unwatchPassiveMd5()
    const ev: FsmEvent = { type: 'ManualStop', subcode: o.subcode, reason: o.message, data: o.data, hardReset: o.hardReset }
    const pending: Array<Promise<void>> = []
    for (const c of this.conns()) {
      const t = c.transport
      c.driver.dispatch(ev)
      if (t) pending.push(t.done)
    }
    // Bounded: a peer that does not read cannot hold the caller (the transport lingers 2 s at most).
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all(pending), new Promise((r) => (timer = setTimeout(r, STOP_WAIT_MS)))])
    clearTimeout(timer)
  }

  /**
   * Release every socket and timer. A session still up gets a Cease first. Resolves once every socket of the
   * peer is closed, those already closing included (bounded: CLOSE_WAIT_MS); a second call waits the same way.
   */
  async close(): Promise<void> {
    if (!this.closed) {
      if (this.started || this.conns().some((c) => c.transport !== null)) await this.stop()
      this.closed = true
      this.unwatchPassiveMd5()
      for (const c of this.conns()) this.dispose(c)
      this.outgoing = null
      this.incoming = null
    }
    if (this.open.size === 0) return
    let timer: NodeJS.Timeout | undefined
    await Promise.race([Promise.all([...this.open]), new Promise((r) => (timer = setTimeout(r, CLOSE_WAIT_MS)))])
    clearTimeout(timer)
  }

  /** Sockets of this peer not closed yet: connecting, open or closing (their 'close' not seen yet). */
  get openSockets(): number {
    return this.open.size
  }

  /** Write messages on the Established connection. Returns `writable`. */
  send(messages: readonly Message[]): boolean {
    const c = this.requireEstablished()
    const ctx = c.driver.state.negotiated?.txContext ?? DEFAULT_CONTEXT
    let update = false
    for (const m of messages) {
      c.transport!.send(m, ctx)
      if (m.type === 'UPDATE') update = true
    }
    if (update) c.driver.dispatch({ type: 'UpdateSent' })
    return c.transport?.writable ?? false
  }

  /** Write pre-encoded UPDATEs (built with the session's txContext). False above the high-water mark. */
  sendUpdates(buffers: readonly Buffer[]): boolean {
    const c = this.requireEstablished()
    const ok = c.transport!.sendRaw(buffers)
    if (buffers.length > 0) c.driver.dispatch({ type: 'UpdateSent' })
    return ok
  }

  /**
   * A TCP connection accepted for this peer (the listener matched its remote address). Refused
   * when the peer is not started or already tracks an incoming connection.
   */
  acceptConnection(socket: Socket): boolean {
    if (!this.started || this.closed || this.incoming !== null) {
      this.destroySocket(socket)
      return false
    }
    const cfg: SessionConfig = Object.freeze({ ...this.config, passive: true, autoRestart: false })
    const c = this.newConnection('incoming', cfg)
    this.incoming = c
    const go = (): void => {
      if (this.incoming !== c || c.driver.isDisposed) {
        this.destroySocket(socket)
        return
      }
      c.driver.dispatch({ type: 'ManualStart_with_PassiveTcpEstablishment' })
      this.attach(c, socket)
      c.driver.dispatch({ type: 'TcpConnectionConfirmed' })
    }
    if (this.ttlSecurityHops === undefined && this.ttl === undefined) go()
    else if (this.ttlSecurityHops === undefined) {
      // Our segments on an accepted connection leave with the configured TTL too (the SYN-ACK left with the listener's).
      const fam: 4 | 6 = socket.localAddress?.includes(':') ? 6 : 4
      setTtl(handleFd(socket), this.ttl!, fam).then(go, (e: Error) => {
        this.fail(new Error(`TTL on an accepted connection: ${e.message}`))
        this.destroySocket(socket)
        this.removeIncoming(c)
      })
    } else {
      // RFC 5082 §3: inbound segments must arrive with TTL >= 256 - hops.
      const fam: 4 | 6 = socket.remoteFamily === 'IPv6' || socket.localAddress?.includes(':') ? 6 : 4
      setMinTtl(handleFd(socket), this.ttlSecurityHops, fam, !this.remoteAddress.includes(':')).then(go, (e: Error) => {
        this.fail(new Error(`GTSM on an accepted connection: ${e.message}`))
        this.destroySocket(socket)
        this.removeIncoming(c)
      })
    }
    return true
  }

  /** Remember a socket until `closed` settles (close() waits for it). */
  private track(closed: Promise<unknown>): void {
    const p: Promise<void> = closed.then(
      () => {
        this.open.delete(p)
      },
      () => {
        this.open.delete(p)
      },
    )
    this.open.add(p)
  }

  private destroySocket(socket: Socket): void {
    if (!socket.closed) this.track(new Promise((resolve) => socket.once('close', resolve)))
    socket.destroy()
  }

  private conns(): Connection[] {
    const out: Connection[] = []
    if (this.outgoing) out.push(this.outgoing)
    if (this.incoming) out.push(this.incoming)
    return out
  }

  private establishedConnection(): Connection | null {
    return this.conns().find((c) => c.state === 'Established') ?? null
  }

  private requireEstablished(): Connection {
    const c = this.establishedConnection()
    if (c === null || c.transport === null) throw new Error(`peer ${this.remoteAddress}: no Established session (state ${this.state})`)
    return c
  }

  private newConnection(direction: ConnectionDirection, cfg: SessionConfig): Connection {
    return new Connection(direction, cfg, (c, a, s) => this.perform(c, a, s))
  }

  private fail(err: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', err)
    else this.emit('warning', err.message)
  }

  /** Carry out one step's actions (RFC 4271 §8.2.2 "the local system: - sends ..., - drops ..."). */
  private perform(c: Connection, actions: Action[], s: SessionState): void {
    let reachedOpenConfirm = false
    let lost = false
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          c.transport?.send(a.message, s.negotiated?.txContext ?? DEFAULT_CONTEXT)
          break
        case 'connect':
          this.dial(c)
          break
        case 'close':
          this.drop(c, a.reason)
          break
        case 'deleteRoutes':
          this.emit('routesDeleted', { graceful: a.graceful })
          break
        case 'releaseResources':
          break
        case 'emit':
          if (a.event.type === 'stateChange') {
            if (a.event.to === 'OpenConfirm') reachedOpenConfirm = true
            // An incoming FSM lives as long as its TCP connection.
            if (a.event.to === 'Idle' || (RANK[a.event.to] === 1 && RANK[a.event.from] >= 2)) lost = true
          }
          this.sessionEvent(c, a.event)
          break
      }
    }
    // The next message on this connection decodes with what the OPENs negotiated.
    if (c.transport !== null) {
      c.transport.rxContext = s.negotiated?.rxContext ?? DEFAULT_CONTEXT
      if (s.negotiated?.extendedMessage) c.transport.setMaxMessageLength(MAX_EXTENDED_MESSAGE_LENGTH)
    }
    if (reachedOpenConfirm && s.state === 'OpenConfirm') this.checkCollision(c)
    if (lost && c.direction === 'incoming') this.removeIncoming(c)
  }

  private sessionEvent(c: Connection, e: SessionEvent): void {
    switch (e.type) {
      case 'stateChange':
        this.emit('stateChange', { from: e.from, to: e.to, event: e.event, reason: e.reason, connection: c.direction })
        if (e.from === 'Established') queueMicrotask(() => this.restartOutgoing())
        break
      case 'established': {
        this.md5Timeouts = 0
        this.md5Warned = false
        if (this.password !== undefined) this.md5Baseline = readMd5Counters()
        // The session is up: an outgoing FSM still waiting for TCP has nothing left to do.
        const other = c === this.outgoing ? this.incoming : this.outgoing
        if (other && other === this.outgoing && !other.driver.state.tcpUp) other.driver.dispatch({ type: 'ManualStop' })
        this.emit('established', e.context, c.direction)
        break
      }
      case 'notificationSent':
        this.emit('notificationSent', e.notification, c.direction)
        break
      case 'notificationReceived':
        this.emit('notificationReceived', e.notification, c.direction)
        break
      case 'updateReceived':
        this.emit('update', e.update)
        break
      case 'routeRefreshReceived':
        this.emit('routeRefresh', e.message)
        break
    }
  }

  /** RFC 4271 §6.8, run when `c` accepted an OPEN: which of the two connections closes. */
  private checkCollision(c: Connection): void {
    const other = c === this.outgoing ? this.incoming : this.outgoing
    if (other === null || other.state === 'Idle') return
    const s = c.driver.state
    const v = resolveCollision({
      newState: s.state,
      newDirection: c.direction,
      otherState: other.state,
      localBgpId: this.config.bgpId,
      remoteBgpId: s.peerOpen!.bgpId,
      localAs: this.config.localAs,
      remoteAs: s.negotiated!.peerAs,
      collisionDetectEstablishedState: this.config.collisionDetectEstablishedState,
      // §6.8 "MAY": the OPEN just received tells us the peer's BGP Identifier.
      examineOpenSent: true,
    })
    if (v.close === null) return
    this.emit('collision', { close: v.close, reason: v.reason })
    const loser = v.close === c.direction ? c : other
    loser.driver.dispatch({ type: 'OpenCollisionDump' })
  }

  /** No connection carries the session: start the outgoing FSM again if it is stopped. */
  private restartOutgoing(): void {
    if (!this.started || this.closed || this.config.passive) return
    if (this.conns().some((c) => RANK[c.state] >= 2)) return
    this.outgoing ??= this.newConnection('outgoing', this.config)
    const s = this.outgoing.driver.state
    if (s.state === 'Idle' && s.start === null) this.outgoing.driver.dispatch(startEvent(this.config, { automatic: true }))
  }

  private removeIncoming(c: Connection): void {
    if (this.incoming !== c) return
    this.incoming = null
    queueMicrotask(() => {
      this.dispose(c)
      this.restartOutgoing()
    })
  }

  private dispose(c: Connection): void {
    c.driver.dispose()
    c.dial?.abort()
    c.dial = null
    c.transport?.close(false)
    c.transport = null
  }

  /** "drops the TCP connection" (also a connect in progress). */
  private drop(c: Connection, reason: string): void {
    if (c.dial !== null) {
      c.dial.abort()
      c.dial = null
      if (reason.startsWith('ConnectRetryTimer')) this.connectTimedOut()
    }
    const t = c.transport
    if (t === null) return
    c.transport = null
    // RFC 9687: a peer that stopped reading gets no NOTIFICATION; reset at once.
    t.close(t.writable || !reason.startsWith('SendHoldTimer'))
  }

  /**
   * RFC 2385 §4: a segment whose signature does not verify is dropped silently, so a passive peer with a wrong
   * key sees nothing at all. The kernel counts those drops (system-wide, so the message says "since start").
   */
  private watchPassiveMd5(): void {
    this.unwatchPassiveMd5()
    const ms = this.opts.md5WatchMs ?? this.config.connectRetrySec * 1000
    this.md5Watch = setInterval(() => {
      if (this.md5Warned || this.establishedConnection() !== null) return
      const before = this.md5Baseline
      const now = readMd5Counters()
      if (before === null || now === null || !md5Grew(before, now)) return
      const kernel = explainMd5(before, now)
      this.md5Warned = true
      this.emit(
        'warning',
        `TCP MD5 signature mismatch or missing on the peer side? passive peer ${this.remoteAddress} not Established ` +
          `with a password configured; kernel counters since start (all sockets): ${kernel}`,
      )
    }, ms)
    this.md5Watch.unref()
  }

  private unwatchPassiveMd5(): void {
    if (this.md5Watch !== null) clearInterval(this.md5Watch)
    this.md5Watch = null
  }

  private connectTimedOut(): void {
    if (this.password === undefined) return
    this.md5Timeouts++
    if (this.md5Warned || this.md5Timeouts < (this.opts.md5WarnAfter ?? DEFAULT_MD5_WARN_AFTER)) return
    this.md5Warned = true
    const kernel = explainMd5(this.md5Baseline, readMd5Counters())
    this.emit(
      'warning',
      `TCP MD5 signature mismatch or missing on the peer side? ${this.md5Timeouts} connection attempts to ` +
        `${this.remoteAddress}:${this.remotePort} timed out with a password configured; kernel counters: ${kernel}`,
    )
  }

  /** "initiates a TCP connection to the other BGP peer". */
  private dial(c: Connection): void {
    c.dial?.abort()
    const ac = new AbortController()
    c.dial = ac
    const host = this.remoteAddress
    const port = this.remotePort
    const dialing = connectTcp({
      host,
      port,
      localAddress: this.localAddress,
      password: this.password,
      ttlSecurityHops: this.ttlSecurityHops,
      ttl: this.ttl,
      // The ConnectRetryTimer normally ends a hanging attempt first.
      timeoutMs: this.config.connectRetrySec * 1000 + 1000,
      signal: ac.signal,
    })
    // An aborted attempt settles once its socket is closed (connectTcp); a connected one is a transport next.
    this.track(dialing)
    dialing.then(
      (socket) => {
        if (c.dial !== ac || c.driver.isDisposed) {
          this.destroySocket(socket)
          return
        }
        c.dial = null
        this.attach(c, socket)
        c.driver.dispatch({ type: 'Tcp_CR_Acked' })
      },
      (err: Error) => {
        if (c.dial !== ac) return
        c.dial = null
        if (/timed out/.test(err.message)) this.connectTimedOut()
        c.driver.dispatch({ type: 'TcpConnectionFails', reason: `connect to ${host}:${port}: ${err.message}` })
      },
    )
  }

  private attach(c: Connection, socket: Socket): void {
    const raw = this.opts.onRawMessage
    const t = (c.transport = new Transport(
      socket,
      {
        message: (m) => c.driver.dispatch(messageEvent(c.driver.state, m)),
        decodeError: (e) => c.driver.dispatch(errorEvent(e)),
        closed: (reason) => {
          c.transport = null
          c.driver.dispatch({ type: 'TcpConnectionFails', reason })
        },
        drain: () => {
          if (c.state === 'Established') this.emit('drain')
        },
        progress: () => c.driver.dispatch({ type: 'SendProgress' }),
        raw: raw === undefined ? undefined : (d, b) => raw(d, b, c.direction),
      },
      this.opts.transport,
    ))
    this.track(t.done)
  }
}

/**
 * Speaker: the public library object (issue 4 "Library API"). It owns the listener, the peers (RFC 4271 §8
 * sessions, src/session), the RIBs of RFC 4271 §3.2 (src/rib) and the per-peer policies (src/policy), and
 * reports what happens as typed events (EventEmitter and async iterators).
 *
 *   announce()/withdraw() ─► local Adj-RIB-In (source 'api') ─┐
 *   Peer 'update' ─► inbound.ts ─► Adj-RIB-In (per peer) ─────┴─► Loc-RIB (decision) ─► rib-core.ts changed()
 *        ─► events (bestPathChange) + every other peer's Adj-RIB-Out ─► outbound.ts ─► Peer.sendUpdates
 *
 * Everything a caller gets back is plain data (RouteInfo, PeerSummary, events); internal classes stay inside.
 */
import { EventEmitter } from 'node:events'
import { pino, type Logger, type LoggerOptions } from 'pino'
import { AddPathMode, CeaseSubcode } from '../wire/iana.js'
import { formatKey, parsePrefix, plainV4Key, type V4Key, type V6Key } from '../wire/prefix.js'
import type { Path } from '../rib/path.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import { AdjRibOutAddPath } from '../rib/adj-rib-out-addpath.js'
import type { PolicyContext, PolicyHook } from '../policy/hook.js'
import type { NotificationInfo } from '../session/actions.js'
import { BgpListener } from '../session/listener.js'
import { attachPeerLogging, peerLogger } from '../session/log-events.js'
import { normalizeAddress } from '../session/transport.js'
import { Peer } from '../session/peer.js'
import { eventIterator, type EventIterable, type EventIteratorOptions, type RouteInfo, type SpeakerEventMap } from './events.js'
import { enqueue, receiveUpdate, reimportFamily } from './inbound.js'
import { endOfRibReceived, refreshExports, sessionDown, sessionUp, type LifecycleHost } from './lifecycle.js'
import { peerOptions, speakerOptions, type FamilyName, type PeerConfig, type ResolvedSpeakerOptions, type SpeakerOptions } from './options.js'
import { hasAddPathSenders, scheduleFlush, startDump, touchAddPath, touchUpdate } from './outbound.js'
import { FAMILY_AFI, PeerState, type PeerSummary } from './peer-state.js'
import { RibCore, routeInfo } from './rib-core.js'
import { announceToPathAttributes, toRouteAttributes, type AnnounceAttributes } from './route-info.js'

/** Fields updatePeer() applies without resetting the session. */
const SOFT_FIELDS = new Set<keyof PeerConfig>(['importPolicy', 'exportPolicy', 'mraiMs', 'nextHop', 'nextHop6', 'description', 'sendMed', 'allowAsIn', 'nextHopSelf'])

export interface LocRibEntry {
  prefix: string
  best: RouteInfo
  multipath: RouteInfo[]
}

export interface AdjRibOutEntry {
  prefix: string
  family: FamilyName
  attributes: RouteInfo['attributes']
  /** RFC 7911 Path Identifier we sent it with; only when the family is sent with ADD-PATH. */
  pathId?: number
}

/** An Adj-RIB-In row; `pathId` (RFC 7911) only when the peer sends the family with ADD-PATH. */
export type AdjRibInEntry = RouteInfo & { pathId?: number }

export interface PolicyUpdate {
  import?: PolicyHook | null
  export?: PolicyHook | null
}

function isLogger(x: unknown): x is Logger {
  return typeof x === 'object' && x !== null && typeof (x as Logger).child === 'function' && typeof (x as Logger).info === 'function'
}

function parseOrThrow(p: string): { afi: 1; key: V4Key } | { afi: 2; key: V6Key } {
  const r = typeof p === 'string' ? parsePrefix(p.trim()) : null
  if (r === null) throw new RangeError(`bad prefix ${JSON.stringify(p)}`)
  return r
}

const familyName = (afi: 1 | 2): FamilyName => (afi === 1 ? 'ipv4' : 'ipv6')

export class Speaker extends EventEmitter<SpeakerEventMap> {
  readonly log: Logger
  private readonly opts: ResolvedSpeakerOptions
  private readonly core: RibCore
  private readonly host: LifecycleHost
  private listener: BgpListener | null = null
  private bound: { address: string; port: number } | null = null
  private started = false
  private closed = false
  private nextPeerId = 1
  private readonly iteratorEnds = new Set<() => void>()

  constructor(options: SpeakerOptions) {
    super()
    this.opts = speakerOptions(options)
    const l = options.logger
    this.log = isLogger(l) ? l : pino({ level: 'silent', ...(l as LoggerOptions | undefined) })
    this.core = new RibCore(this.opts, {
      wantsBestPathEvents: () => this.listenerCount('bestPathChange') > 0,
      emitBestPathChange: (e) => this.emit('bestPathChange', e),
      scheduleFlush: (ps, urgent) => scheduleFlush(this.host, ps, urgent),
    })
    this.host = {
      core: this.core,
      policyContext: (ps, d) => this.policyContext(ps, d),
      emitEndOfRib: (e) => this.emit('endOfRib', e),
      error: (ps, err) => this.reportError(err, ps.cfg.address),
      endOfRibReceived: (ps, f) => {
        this.emit('endOfRib', { peer: ps.cfg.address, family: f, direction: 'received' })
        endOfRibReceived(this.host, ps, f)
      },
      warn: (ps, msg) => this.log.warn({ peer: ps.cfg.address }, msg),
    }
  }

  /** Where the listener is bound (after start()), or null without one. */
  get listenAddress(): { address: string; port: number } | null {
    return this.bound
  }

  /** Bind the listener (when configured) and start every configured peer. */
  async start(): Promise<void> {
    if (this.closed) throw new Error('speaker is closed')
    if (this.started) return
    this.started = true
    if (this.opts.listen !== null) {
      const l = new BgpListener({ host: this.opts.listen.address, port: this.opts.listen.port })
      l.on('refused', (r) => this.log.info(r, `connection from ${r.remoteAddress} refused: no such peer`))
      l.on('error', (e) => this.reportError(e))
      this.bound = await l.listen()
      this.listener = l
      for (const ps of this.core.peers.values()) await l.addPeer(ps.peer)
    }
    for (const ps of this.core.peers.values()) await this.startPeer(ps)
  }

  /** Configure a peer; it starts now when the speaker is started, else with start(). */
  async addPeer(config: PeerConfig): Promise<void> {
    if (this.closed) throw new Error('speaker is closed')
    const cfg = peerOptions(config, this.opts)
    const key = normalizeAddress(cfg.address)
    if (this.core.peers.has(key)) throw new Error(`peer ${key} is already configured`)
    const peer = new Peer({
      session: {
        localAs: this.opts.localAs,
        remoteAs: cfg.remoteAs,
        bgpId: this.opts.routerId,
        holdTimeSec: cfg.holdTime,
        keepaliveSec: cfg.keepalive,
        connectRetrySec: cfg.connectRetry,
        idleHoldSec: Math.min(cfg.connectRetry, 5),
        passive: cfg.passive,
        capabilities: {
          families: cfg.families.map((f) => [FAMILY_AFI[f], 1] as const),
          gracefulRestart: cfg.gracefulRestart ?? undefined,
          // RFC 7911 §4: Send Receive 1 = receive, 2 = send, 3 = both.
          addPath: cfg.families.flatMap((f) => {
            const a = cfg.addPath[f]
            if (a === undefined) return []
            const mode = (a.receive ? AddPathMode.RECEIVE : 0) | (a.send !== null ? AddPathMode.SEND : 0)
            return mode === 0 ? [] : [{ afi: FAMILY_AFI[f], safi: 1, mode }]
          }),
        },
      },
      remoteAddress: key,
      remotePort: cfg.port,
      localAddress: cfg.localAddress,
      password: cfg.password,
      ttlSecurity: cfg.ttlSecurity,
      ttl: cfg.ttl,
    })
    const ps = new PeerState(config, cfg, peer, this.nextPeerId++)
    this.core.peers.set(key, ps)
    this.core.byId.set(ps.peerId, ps)
    this.wire(ps)
    if (this.listener !== null) await this.listener.addPeer(peer)
    else if (cfg.passive && this.started) this.log.warn({ peer: key }, 'passive peer without a listener (listen: false): it can never connect')
    if (this.started) await this.startPeer(ps)
  }

  /** Remove a peer: Cease / Peer De-configured (RFC 4486 §4), its routes leave the Loc-RIB. */
  async removePeer(address: string, subcode: number = CeaseSubcode.PEER_DECONFIGURED): Promise<boolean> {
    const ps = this.core.peers.get(normalizeAddress(address))
    if (ps === undefined) return false
    await this.stopPeer(ps, subcode)
    return true
  }

  /**
   * Change a peer's configuration. Policies, MRAI, next hops, sendMed, allowAsIn and the description apply to
   * the running session (re-import / re-export, only differences are sent); anything else restarts it with
   * Cease / Other Configuration Change (RFC 4486 §4).
   */
  async updatePeer(address: string, changes: Partial<PeerConfig>): Promise<void> {
    const key = normalizeAddress(address)
    const ps = this.core.peers.get(key)
    if (ps === undefined) throw new Error(`no peer ${key}`)
    const input: PeerConfig = { ...ps.input, ...changes, address: ps.input.address }
    const cfg = peerOptions(input, this.opts)
    const changed = (Object.keys(changes) as Array<keyof PeerConfig>).filter((k) => changes[k] !== ps.input[k])
    if (changed.some((k) => !SOFT_FIELDS.has(k))) {
      await this.stopPeer(ps, CeaseSubcode.OTHER_CONFIGURATION_CHANGE)
      await this.addPeer(input)
      return
    }
    const old = ps.cfg
    ps.input = input
    ps.cfg = cfg
    ps.policyCtx = {}
    if (!ps.up) return
    if (old.importPolicy !== cfg.importPolicy || old.allowAsIn !== cfg.allowAsIn) await this.softIn(ps)
    if (old.exportPolicy !== cfg.exportPolicy || old.nextHop !== cfg.nextHop || old.nextHop6 !== cfg.nextHop6 || old.sendMed !== cfg.sendMed || old.nextHopSelf !== cfg.nextHopSelf) {
      refreshExports(this.host, ps)
    }
  }

  /** Replace a peer's import and/or export policy without resetting the session. */
  async setPolicy(address: string, p: PolicyUpdate): Promise<void> {
    const changes: Partial<PeerConfig> = {}
    if (p.import !== undefined) changes.importPolicy = p.import ?? undefined
    if (p.export !== undefined) changes.exportPolicy = p.export ?? undefined
    await this.updatePeer(address, changes)
  }

  /**
   * Originate `prefixes` (source 'api') with `attributes`; replaces earlier attributes of the same prefixes.
   * Every prefix and the attributes are checked before anything changes (RangeError). Many prefixes in one
   * call share one interned attribute set and go through the Loc-RIB and the outbound queues as one batch.
   */
  announce(prefixes: string | readonly string[], attributes?: AnnounceAttributes): void {
    const byFam = this.parsePrefixes(prefixes)
    const attrs = byFam.map(([f]) => announceToPathAttributes(attributes, f))
    const sets = attrs.map((a) => this.core.inTable.intern(a))
    for (let i = 0; i < byFam.length; i++) {
      const [f, keys] = byFam[i]!
      const set = sets[i]!
      const local = this.core.localRib(f)
      const changed: PrefixKey[] = []
      for (let j = 0; j < keys.length; j++) if (local.update(keys[j]!, set)) changed.push(keys[j]!)
      // The local table now holds `set` for every changed key: the decision need not look it up (one batch
      // when the local routes are the only ones, LocRib.decideMany).
      this.core.redecide(f, changed, { src: local, set })
      this.core.inTable.release(set)
      touchAddPath(this.host, f, changed, null, false)
    }
  }

  /** Stop originating `prefixes`. */
  withdraw(prefixes: string | readonly string[]): void {
    for (const [f, list] of this.parsePrefixes(prefixes)) {
      const local = this.core.localRib(f)
      const gone = list.filter((k) => local.withdraw(k))
      this.core.redecide(f, gone, { src: local, set: null })
      touchAddPath(this.host, f, gone, null, true)
    }
  }

  /** The Loc-RIB best path for an exact prefix, or null. */
  bestPath(prefix: string): RouteInfo | null {
    const p = parseOrThrow(prefix)
    const f = familyName(p.afi)
    const best = this.core.locRib(f).best(p.key)
    return best === null ? null : routeInfo(formatKey(p.afi, p.key), f, best)
  }

  /** The multipath set of a prefix (best first), [] when unreachable. */
  multipath(prefix: string): RouteInfo[] {
    const p = parseOrThrow(prefix)
    const f = familyName(p.afi)
    const text = formatKey(p.afi, p.key)
    return this.core
      .locRib(f)
      .multipath(p.key)
      .map((x) => routeInfo(text, f, x))
  }

  /** Every Loc-RIB entry, IPv4 then IPv6 (a snapshot of the prefixes is taken first). */
  *locRib(): IterableIterator<LocRibEntry> {
    for (const f of ['ipv4', 'ipv6'] as const) {
      const loc = this.core.locRib(f)
      for (const k of [...loc.keys()]) {
        const mp = loc.multipath(k)
        if (mp.length === 0) continue
        const prefix = formatKey(FAMILY_AFI[f], k)
        const all = mp.map((x) => routeInfo(prefix, f, x))
        yield { prefix, best: all[0]!, multipath: all }
      }
    }
  }

  /** Routes received from a peer: post-policy (default) or as received (`prePolicy`, when kept). */
  *adjRibIn(address: string, o: { prePolicy?: boolean } = {}): IterableIterator<AdjRibInEntry> {
    const ps = this.requirePeer(address)
    for (const fs of ps.families.values()) {
      const rib = o.prePolicy ? fs.preTable : fs.post
      if (rib === null) continue
      for (const k of [...rib.keys()]) {
        const out: Path[] = []
        rib.collect(k, out)
        const prefix = formatKey(fs.afi, k)
        for (const p of out) {
          const r: AdjRibInEntry = routeInfo(prefix, fs.name, p)
          if (rib.addPath) r.pathId = p.pathId
          yield r
        }
      }
    }
  }

  /** What the peer has been sent (after export rules and policy). */
  *adjRibOut(address: string): IterableIterator<AdjRibOutEntry> {
    const ps = this.requirePeer(address)
    for (const fs of ps.families.values()) {
      const out = fs.out
      if (out === null) continue
      // A snapshot of the keys: the table may change while the caller iterates.
      if (out instanceof AdjRibOutAddPath) {
        for (const k of [...out.sentKeys()]) {
          const prefix = formatKey(fs.afi, k)
          for (const p of out.sentPaths(k)) yield { prefix, family: fs.name, attributes: toRouteAttributes(p.set.attrs), pathId: p.id }
        }
        continue
      }
      for (const k of [...out.sentKeys()]) {
        const s = out.sentAttrs(k)
        if (s !== undefined) yield { prefix: formatKey(fs.afi, k), family: fs.name, attributes: toRouteAttributes(s.attrs) }
      }
    }
  }

  /** One row per peer; O(peers), counters are kept incrementally. */
  peers(): PeerSummary[] {
    const now = Date.now()
    return [...this.core.peers.values()].map((ps) => ps.summary(now))
  }

  /** The events of `name` as an async iterator (break out of the loop to unsubscribe). */
  events<K extends keyof SpeakerEventMap & string>(name: K, o?: EventIteratorOptions): EventIterable<SpeakerEventMap[K][0]> {
    const it = eventIterator<SpeakerEventMap, K>(
      this,
      name,
      (end) => {
        if (this.closed) queueMicrotask(end)
        this.iteratorEnds.add(end)
        return () => this.iteratorEnds.delete(end)
      },
      o,
    )
    return it as EventIterable<SpeakerEventMap[K][0]>
  }

  /**
   * End every session with Cease / Administrative Shutdown (RFC 4486; `message`: RFC 9003 Shutdown
   * Communication), close the listener, release every socket and timer, end the event iterators.
   */
  async close(message?: string): Promise<void> {
    if (this.closed) return
    this.closed = true
    await Promise.all([...this.core.peers.values()].map((ps) => this.stopPeer(ps, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN, message)))
    await this.listener?.close()
    this.listener = null
    this.core.clear()
    for (const end of [...this.iteratorEnds]) end()
  }

  private requirePeer(address: string): PeerState {
    const ps = this.core.peers.get(normalizeAddress(address))
    if (ps === undefined) throw new Error(`no peer ${address}`)
    return ps
  }

  /** The prefixes by family (IPv4 first), every one parsed before anything changes; RangeError on a bad one. */
  private parsePrefixes(prefixes: string | readonly string[]): Array<[FamilyName, PrefixKey[]]> {
    const list = typeof prefixes === 'string' ? [prefixes] : prefixes
    const v4: number[] = []
    const v6: string[] = []
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!
      const k = typeof s === 'string' ? plainV4Key(s) : -1
      if (k >= 0) {
        v4.push(k)
        continue
      }
      const p = parseOrThrow(s)
      if (p.afi === 1) v4.push(p.key)
      else v6.push(p.key)
    }
    const out: Array<[FamilyName, PrefixKey[]]> = []
    if (v4.length > 0) out.push(['ipv4', v4])
    if (v6.length > 0) out.push(['ipv6', v6])
    return out
  }

  private policyContext(ps: PeerState, direction: 'import' | 'export'): PolicyContext {
    const c = ps.policyCtx[direction]
    if (c !== undefined) return c
    const ebgp = ps.cfg.ebgp
    const peer: PolicyContext['peer'] = { address: ps.cfg.address, asn: ps.info?.peerAs ?? ps.cfg.remoteAs, ebgp, ibgp: !ebgp }
    if (ps.localAddress !== null) (peer as { localAddress?: string }).localAddress = ps.localAddress
    const ctx: PolicyContext = { localAs: this.opts.localAs, routerId: this.opts.routerId, direction, peer }
    ps.policyCtx[direction] = ctx
    return ctx
  }

  /** Import policy changed: re-run it over the kept pre-policy routes, or ask the peer to resend (RFC 2918). */
  private softIn(ps: PeerState): Promise<void> {
    return new Promise<void>((resolve) => {
      enqueue(this.host, ps, () => {
        const pending: Array<Promise<void>> = []
        for (const fs of ps.families.values()) {
          if (!fs.active) continue
          if (fs.preTable !== null) {
            const r = reimportFamily(this.host, ps, fs)
            if (r !== undefined) pending.push(r)
          } else if (ps.session?.routeRefresh) {
            ps.peer.send([{ type: 'ROUTE-REFRESH', afi: fs.afi, safi: 1, subtype: 0 }])
          } else {
            this.log.warn({ peer: ps.cfg.address }, 'import policy changed, but pre-policy routes are not kept and the peer lacks ROUTE-REFRESH: it applies to new UPDATEs only')
          }
        }
        // Paths the new policy dropped or changed may not be best: ADD-PATH peers re-export everything.
        const done = (): void => {
          this.redumpAddPath(ps)
          resolve()
        }
        if (pending.length === 0) return done()
        // Errors were reported by the import path; the caller only waits for the re-import to finish.
        return Promise.all(pending).then(done, done)
      })
    })
  }

  /** Re-export every prefix to the ADD-PATH peers other than `from` (only differences are sent). */
  private redumpAddPath(from: PeerState): void {
    if (!hasAddPathSenders(this.core)) return
    for (const ps of this.core.peers.values()) {
      if (ps === from || !ps.up) continue
      for (const fs of ps.families.values()) if (fs.active && fs.out instanceof AdjRibOutAddPath) startDump(this.host, ps, fs)
    }
  }

  private async startPeer(ps: PeerState): Promise<void> {
    try {
      await ps.peer.start()
    } catch (e) {
      this.reportError(e as Error, ps.cfg.address)
    }
  }

  private async stopPeer(ps: PeerState, subcode: number, message?: string): Promise<void> {
    if (ps.removed) return
    ps.removed = true
    ps.clearTimers()
    ps.wakeDrainWaiters()
    const stop: { subcode: number; message?: string } = { subcode }
    if (message !== undefined) stop.message = message
    await ps.peer.stop(stop)
    sessionDown(this.host, ps, false)
    await ps.peer.close()
    ps.detach?.()
    await this.listener?.removePeer(ps.peer)
    for (const fs of ps.families.values()) {
      if (fs.post === null) continue
      const keys = hasAddPathSenders(this.core) ? [...fs.post.keys()] : []
      this.core.changed(fs.name, this.core.locRib(fs.name).removeSource(fs.post))
      touchAddPath(this.host, fs.name, keys, ps, true)
      fs.post.clear()
      fs.pre?.clear()
      fs.post = null
      fs.pre = null
      fs.preShared = false
    }
    ps.clearTimers()
    this.core.peers.delete(normalizeAddress(ps.cfg.address))
    this.core.byId.delete(ps.peerId)
  }

  private reportError(error: Error, peer?: string): void {
    this.log.error({ peer, err: error }, error.message)
    if (this.listenerCount('error') > 0) this.emit('error', peer === undefined ? { error } : { peer, error })
  }

  /** Subscribe to one Peer's events. */
  private wire(ps: PeerState): void {
    const peer = ps.peer
    const addr = ps.cfg.address
    const detachLog = attachPeerLogging(peer, peerLogger(this.log, addr, ps.cfg.remoteAs))
    peer.on('stateChange', (c) => {
      this.emit('peerStateChange', { peer: addr, from: c.from, to: c.to, fsmEvent: c.event, reason: c.reason, connection: c.connection })
      if (c.from === 'Established') {
        // The reason the session ended, unless a NOTIFICATION already said it.
        if (!ps.notifiedThisSession) ps.lastError = c.reason
        if (ps.up && !ps.peer.session) sessionDown(this.host, ps, false)
      } else if (c.to === 'Established') ps.notifiedThisSession = false
    })
    peer.on('established', (s) => {
      if (!ps.removed) sessionUp(this.host, ps, s)
    })
    peer.on('update', (u) => {
      if (!ps.up) return
      receiveUpdate(this.host, ps, u)
      // RFC 7911: a path that is not best changed too; after the import (it may wait on an async policy).
      if (hasAddPathSenders(this.core)) enqueue(this.host, ps, () => touchUpdate(this.host, ps, u))
    })
    peer.on('routeRefresh', (m) => {
      // RFC 2918 §4: "the speaker ... SHOULD re-advertise to that peer the Adj-RIB-Out of the AFI/SAFI".
      for (const fs of ps.families.values()) {
        if (!fs.active || fs.afi !== m.afi || m.safi !== 1 || fs.out === null) continue
        fs.out.resendAll()
        startDump(this.host, ps, fs)
      }
    })
    peer.on('routesDeleted', ({ graceful }) => sessionDown(this.host, ps, graceful))
    const notif = (direction: 'sent' | 'received') => (n: NotificationInfo) => {
      ps.lastError = `NOTIFICATION ${direction} ${n.name}${n.message === undefined ? '' : `: ${n.message}`}`
      ps.notifiedThisSession = true
      const e: SpeakerEventMap['notification'][0] = { peer: addr, direction, code: n.code, subcode: n.subcode, name: n.name, data: n.data.toString('hex') }
      if (n.message !== undefined) e.message = n.message
      this.emit('notification', e)
    }
    peer.on('notificationSent', notif('sent'))
    peer.on('notificationReceived', notif('received'))
    peer.on('drain', () => ps.wakeDrainWaiters())
    peer.on('error', (e) => this.reportError(e, addr))
    ps.detach = () => {
      detachLog()
      peer.removeAllListeners()
    }
  }
}

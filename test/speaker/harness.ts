/**
 * A Speaker core without sockets: RibCore + PeerStates whose Peer is a stub recording what would be written,
 * driven through the same inbound / outbound / lifecycle functions the Speaker uses.
 */
import { makeWireContext } from '../../src/wire/context.js'
import { decodeMessage } from '../../src/wire/message.js'
import { formatNlriList, parsePrefix } from '../../src/wire/prefix.js'
import type { PathAttributes, Update } from '../../src/wire/types.js'
import type { NegotiatedSession } from '../../src/session/negotiate.js'
import type { Peer } from '../../src/session/peer.js'
import type { Path } from '../../src/rib/path.js'
import type { PolicyContext } from '../../src/policy/hook.js'
import type { BestPathChangeEvent, EndOfRibEvent } from '../../src/speaker/events.js'
import { receiveUpdate } from '../../src/speaker/inbound.js'
import { endOfRibReceived, sessionDown, sessionUp, type LifecycleHost } from '../../src/speaker/lifecycle.js'
import { peerOptions, speakerOptions, type PeerConfig, type SpeakerOptions } from '../../src/speaker/options.js'
import { scheduleFlush } from '../../src/speaker/outbound.js'
import { PeerState } from '../../src/speaker/peer-state.js'
import { RibCore } from '../../src/speaker/rib-core.js'
import { announceToPathAttributes, type AnnounceAttributes } from '../../src/speaker/route-info.js'

export interface StubPeer {
  state: string
  session: NegotiatedSession | null
  writable: boolean
  sent: Buffer[]
  messages: unknown[]
  sendUpdates(b: readonly Buffer[]): boolean
  send(m: readonly unknown[]): boolean
}

export function negotiated(o: Partial<NegotiatedSession> = {}): NegotiatedSession {
  const as4 = o.as4 ?? true
  return {
    localAs: 65000,
    peerAs: 65001,
    peerBgpId: '10.0.0.9',
    as4,
    families: [
      [1, 1],
      [2, 1],
    ],
    addPathRx: [],
    addPathTx: [],
    extendedMessage: false,
    routeRefresh: true,
    enhancedRouteRefresh: false,
    gracefulRestart: null,
    notificationGr: false,
    extendedNextHop: [],
    role: null,
    holdTimeSec: 90,
    keepaliveSec: 30,
    rxContext: makeWireContext({ as4 }),
    txContext: makeWireContext({ as4 }),
    ...o,
  }
}

export class Harness {
  readonly events: BestPathChangeEvent[] = []
  readonly eors: EndOfRibEvent[] = []
  readonly errors: Error[] = []
  readonly warnings: string[] = []
  readonly core: RibCore
  readonly host: LifecycleHost
  /** Whether someone listens to bestPathChange (false: RibCore's path without change records). */
  wantEvents = true
  private nextId = 1

  constructor(o: Partial<SpeakerOptions> = {}) {
    const sp = speakerOptions({ routerId: '10.0.0.1', localAs: 65000, ...o })
    this.core = new RibCore(sp, {
      wantsBestPathEvents: () => this.wantEvents,
      emitBestPathChange: (e) => this.events.push(e),
      scheduleFlush: (ps, urgent) => scheduleFlush(this.host, ps, urgent),
    })
    this.host = {
      core: this.core,
      policyContext: (ps, direction): PolicyContext => ({
        localAs: 65000,
        routerId: '10.0.0.1',
        direction,
        peer: { address: ps.cfg.address, asn: ps.cfg.remoteAs, ebgp: ps.cfg.ebgp, ibgp: !ps.cfg.ebgp },
      }),
      emitEndOfRib: (e) => this.eors.push(e),
      error: (_ps, e) => this.errors.push(e),
      endOfRibReceived: (ps, f) => {
        this.eors.push({ peer: ps.cfg.address, family: f, direction: 'received' })
        endOfRibReceived(this.host, ps, f)
      },
      warn: (_ps, m) => this.warnings.push(m),
    }
  }

  addPeer(c: Partial<PeerConfig> & { address: string; remoteAs: number }): PeerState & { stub: StubPeer } {
    const stub: StubPeer = {
      state: 'Idle',
      session: null,
      writable: true,
      sent: [],
      messages: [],
      sendUpdates(b) {
        this.sent.push(...b)
        return this.writable
      },
      send(m) {
        this.messages.push(...m)
        return true
      },
    }
    const input: PeerConfig = { families: ['ipv4', 'ipv6'], localAddress: '192.0.2.100', nextHop6: '2001:db8::100', ...c }
    const ps = new PeerState(input, peerOptions(input, this.core.opts), stub as unknown as Peer, this.nextId++)
    this.core.peers.set(c.address, ps)
    this.core.byId.set(ps.peerId, ps)
    return Object.assign(ps, { stub })
  }

  up(ps: PeerState & { stub: StubPeer }, s: Partial<NegotiatedSession> = {}): void {
    ps.stub.state = 'Established'
    const n = negotiated({ peerAs: ps.cfg.remoteAs, localAs: 65000, ...s })
    ps.stub.session = n
    sessionUp(this.host, ps, n)
  }

  down(ps: PeerState & { stub: StubPeer }, graceful = false): void {
    ps.stub.state = 'Idle'
    ps.stub.session = null
    sessionDown(this.host, ps, graceful)
  }

  receive(ps: PeerState, u: Update): void {
    receiveUpdate(this.host, ps, u)
  }

  announce(prefixes: string[], a?: AnnounceAttributes): void {
    for (const p of prefixes) {
      const x = parsePrefix(p)!
      const f = x.afi === 1 ? 'ipv4' : 'ipv6'
      const set = this.core.inTable.intern(announceToPathAttributes(a, f))
      const rib = this.core.local[f] as unknown as { update(k: number | string, s: typeof set): boolean }
      if (rib.update(x.key, set)) this.core.redecide(f, [x.key])
      this.core.inTable.release(set)
    }
  }

  withdraw(prefixes: string[]): void {
    for (const p of prefixes) {
      const x = parsePrefix(p)!
      const f = x.afi === 1 ? 'ipv4' : 'ipv6'
      const rib = this.core.local[f] as unknown as { withdraw(k: number | string): boolean }
      if (rib.withdraw(x.key)) this.core.redecide(f, [x.key])
    }
  }

  best(prefix: string): Path | null {
    const x = parsePrefix(prefix)!
    return this.core.locRib(x.afi === 1 ? 'ipv4' : 'ipv6').best(x.key)
  }
}

/** An UPDATE announcing IPv4 prefixes (and optional IPv6 ones in MP_REACH_NLRI). */
export function update(o: { v4?: string[]; withdraw?: string[]; v6?: string[]; attrs?: PathAttributes; errors?: Update['errors'] }): Update {
  const keys = (l: string[] | undefined) => (l ?? []).map((p) => parsePrefix(p)!.key as number)
  const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '192.0.2.1', ...o.attrs }
  if (o.v6 !== undefined) {
    attributes.mpReach = { afi: 2, safi: 1, nextHop: ['2001:db8::1'], nlri: { afi: 2, keys: o.v6.map((p) => parsePrefix(p)!.key as string), pathIds: null } }
  }
  const u: Update = { type: 'UPDATE', withdrawn: { afi: 1, keys: keys(o.withdraw), pathIds: null }, attributes, nlri: { afi: 1, keys: keys(o.v4), pathIds: null } }
  if (o.errors !== undefined) u.errors = o.errors
  return u
}

export const EOR_V4: Update = { type: 'UPDATE', withdrawn: { afi: 1, keys: [], pathIds: null }, attributes: {}, nlri: { afi: 1, keys: [], pathIds: null } }

/** Decode what a stub peer was sent: one line per UPDATE. */
export function sentUpdates(stub: StubPeer, as4 = true): Array<{ nlri: string[]; withdrawn: string[]; attrs: PathAttributes }> {
  const ctx = makeWireContext({ as4 })
  return stub.sent.map((b) => {
    const u = decodeMessage(b, 0, ctx).message as Update
    const mp = u.attributes.mpReach
    const mpu = u.attributes.mpUnreach
    const nlri = formatNlriList(u.nlri) as string[]
    if (mp !== undefined && 'keys' in mp.nlri) nlri.push(...(formatNlriList(mp.nlri) as string[]))
    const withdrawn = formatNlriList(u.withdrawn) as string[]
    if (mpu !== undefined && 'keys' in mpu.withdrawn) withdrawn.push(...(formatNlriList(mpu.withdrawn) as string[]))
    return { nlri, withdrawn, attrs: u.attributes }
  })
}

export const turn = (): Promise<void> => new Promise((r) => setImmediate(r))
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

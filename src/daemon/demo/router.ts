/**
 * The demo's border router: a Speaker configured as operators configure the router in front of an anycast
 * cluster, and a watcher turning its RIBs into "views" (every path to the watched prefixes, which is best,
 * which are in the multipath set).
 *
 * - Multipath (ECMP) over paths equal through the decision's IGP-cost step from the same neighbour AS:
 *   the "round-robin load balancing" of the slides.
 * - RFC 8326 §4.1: "the receiver ... SHOULD ... lower the LOCAL_PREF value of paths carrying the
 *   GRACEFUL_SHUTDOWN community" (to 0, as the RFC's example configurations do). This is what makes a
 *   drain move traffic before the withdrawal: make before break.
 * - The router exports nothing to the servers (they need no routes for the demo).
 *
 * A view is taken from the post-policy Adj-RIB-In of each server (all paths, including those that are not
 * best) plus the Loc-RIB's best and multipath set; it is recomputed on every bestPathChange and on a short
 * poll (a path that is not best can change without one), and emitted only when it differs.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { WellKnownCommunity } from '../../wire/iana.js'
import type { PolicyHook } from '../../policy/hook.js'
import { Speaker } from '../../speaker/speaker.js'
import type { NotificationEvent, PeerStateChangeEvent } from '../../speaker/events.js'
import { instanceOf, ROUTER_ADDRESS, ROUTER_AS, ROUTER_ID, ROUTER_MAX_PATHS, SERVER_AS, type DemoServerSpec } from './topology.js'

/** RFC 4271 §9.1.1: LOCAL_PREF of routes from external peers is the router's own default. */
export const DEFAULT_LOCAL_PREF = 100
const POLL_MS = 10

export interface ViewPath {
  readonly prefix: string
  /** Instance name from its RFC 8092 instance community, else the peer address. */
  readonly instance: string
  readonly peer: string
  readonly nextHop: string | null
  readonly med: number | null
  readonly localPref: number
  readonly communities: readonly string[]
  readonly largeCommunities: readonly string[]
  /** Carries GRACEFUL_SHUTDOWN 65535:0 (RFC 8326). */
  readonly gshut: boolean
  readonly best: boolean
  readonly ecmp: boolean
}

export interface RouterView {
  /** ms since the demo clock's origin */
  readonly atMs: number
  readonly paths: readonly ViewPath[]
}

export const gshutImport: PolicyHook = (route) => {
  if (route.attributes.communities.has(WellKnownCommunity.GRACEFUL_SHUTDOWN)) route.attributes.localPref = 0
  return route
}

export interface DemoRouterEvents {
  view: [RouterView]
  notification: [NotificationEvent]
  peerStateChange: [PeerStateChangeEvent]
}

export class DemoRouter extends EventEmitter<DemoRouterEvents> {
  readonly speaker: Speaker
  private readonly servers: DemoServerSpec[] = []
  private timer: NodeJS.Timeout | null = null
  private last: RouterView
  private lastKey = ''
  private readonly waiters = new Set<() => void>()

  constructor(
    private readonly watched: readonly string[],
    logger: Logger,
    private readonly clock: () => number,
  ) {
    super()
    this.speaker = new Speaker({
      routerId: ROUTER_ID,
      localAs: ROUTER_AS,
      listen: { address: ROUTER_ADDRESS, port: 0 },
      logger,
      decision: { multipath: true, maxPaths: ROUTER_MAX_PATHS },
    })
    this.speaker.on('error', () => {})
    this.speaker.on('notification', (e) => this.emit('notification', e))
    this.speaker.on('peerStateChange', (e) => this.emit('peerStateChange', e))
    this.speaker.on('bestPathChange', () => this.refresh())
    this.last = { atMs: clock(), paths: [] }
  }

  /** Listen on a free port of 127.0.0.1; resolves with it. */
  async start(servers: readonly DemoServerSpec[]): Promise<number> {
    for (const s of servers) {
      this.servers.push(s)
      await this.speaker.addPeer({
        address: s.address,
        remoteAs: SERVER_AS,
        passive: true,
        families: ['ipv4', 'ipv6'],
        // Nothing is exported to the servers; a next hop keeps the speaker from warning about IPv6 export.
        nextHop6: '2001:db8::1',
        importPolicy: gshutImport,
        exportPolicy: () => null,
        description: s.name,
      })
    }
    await this.speaker.start()
    this.timer = setInterval(() => this.refresh(), POLL_MS)
    return this.speaker.listenAddress!.port
  }

  get view(): RouterView {
    return this.last
  }

  /** Resolve with the first view (current or coming) for which `pred` holds; reject after timeoutMs. */
  waitFor(pred: (v: RouterView) => boolean, timeoutMs: number, what: string): Promise<RouterView> {
    this.refresh()
    if (pred(this.last)) return Promise.resolve(this.last)
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred(this.last)) return
        done()
        resolve(this.last)
      }
      const timer = setTimeout(() => {
        done()
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`))
      }, timeoutMs)
      const done = (): void => {
        clearTimeout(timer)
        this.waiters.delete(check)
      }
      this.waiters.add(check)
    })
  }

  async close(message: string): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    for (const w of [...this.waiters]) w()
    await this.speaker.close(message)
  }

  private refresh(): void {
    const v = this.snapshot()
    const key = JSON.stringify(v.paths)
    if (key === this.lastKey) return
    this.lastKey = key
    this.last = v
    this.emit('view', v)
    for (const w of [...this.waiters]) w()
  }

  private snapshot(): RouterView {
    const paths: ViewPath[] = []
    for (const prefix of this.watched) {
      const best = this.speaker.bestPath(prefix)
      const ecmp = new Set(this.speaker.multipath(prefix).map((r) => r.peer))
      for (const s of this.servers) {
        for (const r of this.speaker.adjRibIn(s.address)) {
          if (r.prefix !== prefix) continue
          const a = r.attributes
          const communities = a.communities ?? []
          paths.push({
            prefix,
            instance: instanceOf(a.largeCommunities) ?? r.peer,
            peer: r.peer,
            nextHop: a.nextHop ?? null,
            med: a.med ?? null,
            localPref: a.localPref ?? DEFAULT_LOCAL_PREF,
            communities,
            largeCommunities: a.largeCommunities ?? [],
            gshut: communities.includes('65535:0') || communities.includes('graceful-shutdown'),
            best: best !== null && best.peer === r.peer,
            ecmp: ecmp.has(r.peer),
          })
        }
      }
    }
    return { atMs: Math.round(this.clock()), paths }
  }
}

/** Instances in the multipath set of `prefix`, best first. */
export function ecmpSet(v: RouterView, prefix: string): string[] {
  const ps = v.paths.filter((p) => p.prefix === prefix && p.ecmp)
  return ps.sort((a, b) => Number(b.best) - Number(a.best)).map((p) => p.instance)
}

export function pathOf(v: RouterView, prefix: string, instance: string): ViewPath | undefined {
  return v.paths.find((p) => p.prefix === prefix && p.instance === instance)
}

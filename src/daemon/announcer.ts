/**
 * Service state → Speaker.announce/withdraw (RFC 4271 §9.1: our own routes enter the Loc-RIB like learned
 * ones; the per-peer export policy decides what each neighbor gets).
 *
 *   ServiceMonitor 'change' ─► apply(service, Announcement) ─► per prefix: owner's attributes
 *        │                                                       │ same as last sent? nothing
 *        │                                                       ▼
 *        │                                        Speaker.announce(group, attrs) / withdraw(list)
 *   per neighbor: exportHook(n) ── rejects routes learned from peers (no transit), prefixes of services
 *                                  not announced to n (services[].neighbors), then applies n's overrides:
 *                                  med/local-pref/prepend (neighbor wins over the service, the drain and
 *                                  degrade values win over the neighbor), communities added; LOCAL_PREF only
 *                                  toward iBGP (RFC 4271 §5.1.5), prepend only toward eBGP.
 *
 * The same attributes are never announced twice: the last attribute key per prefix is kept, and the
 * Speaker itself also drops an announce whose interned attribute set did not change, so an unchanged
 * service never produces an UPDATE. Unique prefixes (per-instance addresses) follow the daemon's life,
 * not the service state: announced at start, withdrawn only by withdrawAll() at the end of shutdown.
 *
 * A prefix listed by two services (legal, a warning in the loader) takes the attributes of the first
 * service, in config order, that announces it.
 */
import type { Logger } from 'pino'
import type { AnnounceAttributes } from '../speaker/route-info.js'
import type { Route } from '../policy/route-view.js'
import type { PolicyContext, SyncPolicyHook } from '../policy/hook.js'
import { AsPathSegmentType } from '../wire/iana.js'
import type { DaemonConfig, NeighborConfig, ServiceConfig } from './config/types.js'
import type { Announcement, ServiceStateName } from './service-state.js'
import { WellKnownCommunity } from '../wire/iana.js'

/** What the announcer needs of the Speaker (a test double may stand in). */
export interface AnnounceTarget {
  announce(prefixes: readonly string[], attributes: AnnounceAttributes): void
  withdraw(prefixes: readonly string[]): void
}

interface ServiceView {
  cfg: ServiceConfig
  state: ServiceStateName | null
  dynamicMed: number | null
  announcement: Announcement | null
}

export function instanceCommunity(cfg: DaemonConfig): readonly [number, number, number] | null {
  // RFC 8092 §3: Global Administrator = our ASN; local-as:instance-id:0 names this instance.
  return cfg.instanceId === null ? null : [cfg.localAs, cfg.instanceId, 0]
}

/** The base (state 'up') announcement of a service, with the instance community. */
export function baseAnnouncement(svc: ServiceConfig, instance: readonly [number, number, number] | null): Announcement {
  const a = svc.attributes
  return {
    announce: true,
    med: a.med,
    localPref: a.localPref,
    prepend: a.prepend ?? 0,
    communities: a.communities,
    largeCommunities: instance === null ? a.largeCommunities : [...a.largeCommunities, instance],
  }
}

/**
 * What a service in `state` announces, from the CURRENT config (the state machine's own copy of the
 * attributes is the one it started with; a reload that changes only attributes keeps the machine running).
 * Same rules as service-state.ts: degrade on failure, GRACEFUL_SHUTDOWN + drain values while draining.
 */
export function announcementOf(
  svc: ServiceConfig,
  instance: readonly [number, number, number] | null,
  state: ServiceStateName,
  dynamicMed: number | null,
): Announcement {
  const b = baseAnnouncement(svc, instance)
  const base = dynamicMed === null ? b : { ...b, med: dynamicMed }
  switch (state) {
    case 'starting':
      return { ...base, announce: svc.announceOnStart }
    case 'up':
      return base
    case 'down': {
      const f = svc.onFailure
      if (f.action === 'withdraw') return { ...base, announce: false }
      return { ...base, med: f.med ?? base.med, localPref: f.localPref ?? base.localPref, prepend: f.prepend ?? base.prepend }
    }
    case 'draining': {
      const d = svc.drain
      // RFC 8326 §3: GRACEFUL_SHUTDOWN marks routes about to be withdrawn.
      const communities = [...base.communities]
      for (const c of [WellKnownCommunity.GRACEFUL_SHUTDOWN, ...d.communities]) if (!communities.includes(c)) communities.push(c)
      return { ...base, localPref: d.localPref ?? base.localPref, prepend: d.prepend ?? base.prepend, communities }
    }
    case 'maintenance':
      return { ...base, announce: false }
  }
}

function attrKey(a: Announcement): string {
  return `${a.med}|${a.localPref}|${a.prepend}|${a.communities.join(',')}|${a.largeCommunities.map((x) => x.join(':')).join(',')}`
}

export class Announcer {
  private cfg: DaemonConfig
  private readonly services = new Map<string, ServiceView>()
  /** Anycast prefix → owning services, config order. */
  private owners = new Map<string, string[]>()
  /** Unique prefix → its service. */
  private uniqueOwner = new Map<string, string>()
  /** What the Speaker was last told per prefix: the attribute key, absent = withdrawn. */
  private readonly sent = new Map<string, string>()
  private uniqueOn = false
  /** Counters for tests and metrics: calls that reached the Speaker. */
  announceCalls = 0
  withdrawCalls = 0

  constructor(
    private readonly target: AnnounceTarget,
    cfg: DaemonConfig,
    private readonly log?: Logger,
  ) {
    this.cfg = cfg
    this.index(cfg)
  }

  /** A new config (reload): the caller re-applies announcements of changed services afterwards. */
  setConfig(cfg: DaemonConfig): void {
    const before = new Set([...this.owners.keys(), ...this.uniqueOwner.keys()])
    this.cfg = cfg
    const old = new Map(this.services)
    this.services.clear()
    for (const s of cfg.services) {
      const prev = old.get(s.name)
      const state = prev?.state ?? null
      const dynamicMed = prev?.dynamicMed ?? null
      this.services.set(s.name, { cfg: s, state, dynamicMed, announcement: state === null ? null : announcementOf(s, instanceCommunity(cfg), state, dynamicMed) })
    }
    this.index(cfg)
    // Prefixes nobody owns any more leave at once.
    const gone = [...before].filter((p) => !this.owners.has(p) && !this.uniqueOwner.has(p) && this.sent.has(p))
    this.withdrawList(gone)
    if (this.uniqueOn) this.syncUnique()
  }

  private index(cfg: DaemonConfig): void {
    this.owners = new Map()
    this.uniqueOwner = new Map()
    for (const s of cfg.services) {
      if (!this.services.has(s.name)) this.services.set(s.name, { cfg: s, state: null, dynamicMed: null, announcement: null })
      for (const p of s.prefixes) {
        const l = this.owners.get(p.prefix)
        if (l === undefined) this.owners.set(p.prefix, [s.name])
        else l.push(s.name)
      }
      for (const p of s.uniquePrefixes) if (!this.uniqueOwner.has(p.prefix)) this.uniqueOwner.set(p.prefix, s.name)
    }
  }

  /** A service's state changed (ServiceMonitor 'change'); dynamicMed from the machine's state. */
  apply(service: string, state: ServiceStateName, dynamicMed: number | null): void {
    const v = this.services.get(service)
    if (v === undefined) return
    v.state = state
    v.dynamicMed = dynamicMed
    v.announcement = announcementOf(v.cfg, instanceCommunity(this.cfg), state, dynamicMed)
    this.sync(v.cfg.prefixes.map((p) => p.prefix))
  }

  /** The announcement last computed for a service (null before its first state). */
  announcementFor(service: string): Announcement | null {
    return this.services.get(service)?.announcement ?? null
  }

  /** Every prefix currently announced by this announcer (anycast and unique). */
  announcedPrefixes(): IterableIterator<string> {
    return this.sent.keys()
  }

  /** The state the export hooks see for a service. */
  stateOf(service: string): ServiceStateName | null {
    return this.services.get(service)?.state ?? null
  }

  /** Re-evaluate every anycast prefix (after setConfig). */
  syncAll(): void {
    this.sync([...this.owners.keys()])
  }

  /** Announce every unique prefix (daemon start); they stay until withdrawAll(). */
  announceUnique(): void {
    this.uniqueOn = true
    this.syncUnique()
  }

  /** The very end of shutdown: withdraw everything this announcer put in the Speaker. */
  withdrawAll(): void {
    this.uniqueOn = false
    this.withdrawList([...this.sent.keys()])
  }

  private syncUnique(): void {
    const groups = new Map<string, { a: Announcement; prefixes: string[] }>()
    const inst = instanceCommunity(this.cfg)
    for (const [p, svc] of this.uniqueOwner) {
      const a = baseAnnouncement(this.services.get(svc)!.cfg, inst)
      const k = attrKey(a)
      if (this.sent.get(p) === k) continue
      this.sent.set(p, k)
      const g = groups.get(k)
      if (g === undefined) groups.set(k, { a, prefixes: [p] })
      else g.prefixes.push(p)
    }
    for (const g of groups.values()) this.announceGroup(g.prefixes, g.a)
  }

  private sync(prefixes: readonly string[]): void {
    const groups = new Map<string, { a: Announcement; prefixes: string[] }>()
    const withdraw: string[] = []
    for (const p of prefixes) {
      if (this.uniqueOwner.has(p)) continue
      let a: Announcement | null = null
      for (const name of this.owners.get(p) ?? []) {
        const x = this.services.get(name)?.announcement
        if (x !== null && x !== undefined && x.announce) {
          a = x
          break
        }
      }
      if (a === null) {
        if (this.sent.has(p)) withdraw.push(p)
        continue
      }
      const k = attrKey(a)
      if (this.sent.get(p) === k) continue
      this.sent.set(p, k)
      const g = groups.get(k)
      if (g === undefined) groups.set(k, { a, prefixes: [p] })
      else g.prefixes.push(p)
    }
    // Withdrawals first: they are what must leave fast.
    this.withdrawList(withdraw)
    for (const g of groups.values()) this.announceGroup(g.prefixes, g.a)
  }

  private withdrawList(prefixes: readonly string[]): void {
    if (prefixes.length === 0) return
    for (const p of prefixes) this.sent.delete(p)
    this.withdrawCalls++
    this.target.withdraw(prefixes)
    this.log?.debug({ prefixes }, 'withdraw')
  }

  private announceGroup(prefixes: string[], a: Announcement): void {
    this.announceCalls++
    const attrs: AnnounceAttributes = {
      // The prepend travels in the Loc-RIB route so that a prepend-only change is a route change (and is
      // re-exported); the export hook rewrites the AS_PATH per neighbor kind.
      asPath: new Array<number>(a.prepend).fill(this.cfg.localAs),
    }
    // An empty COMMUNITIES attribute is malformed (RFC 7606 §7.8): leave the attribute out instead.
    if (a.communities.length > 0) attrs.communities = [...a.communities]
    if (a.largeCommunities.length > 0) attrs.largeCommunities = a.largeCommunities.map((x) => [x[0], x[1], x[2]] as [number, number, number])
    if (a.med !== null) attrs.med = a.med
    if (a.localPref !== null) attrs.localPref = a.localPref
    this.target.announce(prefixes, attrs)
    this.log?.debug({ prefixes, attrs }, 'announce')
  }

  /**
   * The export hook for neighbor `n`: only our own routes (an anycast instance is no transit), only the
   * services announced to `n`, with `n`'s overrides. Reads the live state, so the hook stays valid across
   * service changes; a new hook is made when `n`'s overrides or the config change.
   */
  exportHook(n: NeighborConfig): SyncPolicyHook {
    const ov = n.overrides
    return (route: Route, ctx: PolicyContext): Route | null => {
      if (route.source !== 'api') return null
      const prefix = route.prefix
      const unique = this.uniqueOwner.get(prefix)
      const svcName = unique ?? this.firstAnnouncing(prefix)
      // Not a service prefix: a route announced through the control API; sent as given.
      if (svcName === undefined) return route
      const v = this.services.get(svcName)!
      if (!v.cfg.neighbors.includes(n.address)) return null
      const state = unique !== undefined ? 'up' : v.state
      const svc = v.cfg
      let med = ov.med ?? svc.attributes.med
      let localPref = ov.localPref ?? svc.attributes.localPref
      let prepend = ov.prepend ?? svc.attributes.prepend ?? 0
      if (state === 'draining') {
        // RFC 8326 §4: the drain values are the point of draining; they win over the neighbor's.
        localPref = svc.drain.localPref ?? localPref
        prepend = svc.drain.prepend ?? prepend
      } else if (state === 'down' && svc.onFailure.action === 'degrade') {
        const f = svc.onFailure
        med = f.med ?? med
        localPref = f.localPref ?? localPref
        prepend = f.prepend ?? prepend
      }
      // dynamic-med (live load) replaces the MED, except a degrade MED while down.
      const degradedMed = state === 'down' && svc.onFailure.action === 'degrade' && svc.onFailure.med !== null
      if (unique === undefined && v.dynamicMed !== null && !degradedMed) med = v.dynamicMed
      const at = route.attributes
      at.med = med ?? undefined
      const ebgp = ctx.peer.ebgp
      // RFC 4271 §5.1.5: LOCAL_PREF is only sent to internal peers.
      at.localPref = ebgp ? undefined : (localPref ?? undefined)
      // The export rules already put our AS first toward eBGP; the extra copies are the prepend.
      const asns = ebgp ? new Array<number>(1 + prepend).fill(this.cfg.localAs) : []
      at.asPath = asns.length === 0 ? [] : [{ type: AsPathSegmentType.AS_SEQUENCE, asns }]
      for (const c of ov.communities) at.communities.add(c)
      for (const c of ov.largeCommunities) at.largeCommunities.add([c[0], c[1], c[2]])
      return route
    }
  }

  /** The service a route of `prefix` belongs to (a unique prefix's service, or the announcing owner). */
  serviceOf(prefix: string): string | undefined {
    return this.uniqueOwner.get(prefix) ?? this.firstAnnouncing(prefix)
  }

  private firstAnnouncing(prefix: string): string | undefined {
    const owners = this.owners.get(prefix)
    if (owners === undefined) return undefined
    for (const name of owners) if (this.services.get(name)?.announcement?.announce === true) return name
    return owners[0]
  }
}

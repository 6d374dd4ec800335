/**
 * The per-service state machine: a pure reducer driven by check verdicts, maintenance inputs
 * and time (`now` comes in; deadlines go out). No timers, no I/O; the same inputs always give
 * the same outputs, so scripted tests run on a fake clock.
 *
 *              rise passes                   fall failures
 *   starting ──────────────► up ◄──────────────────────────► down
 *      │      (announce)      │   passes, after hold-down      (withdraw, or degraded
 *      │                      │                                 announce: on-failure)
 *      │           maintenance on (file check, admin, shutdown)
 *      │                      ▼
 *      └──────────────────► draining ── drain period ──► maintenance (withdrawn)
 *          (not announced:     (announce + GRACEFUL_SHUTDOWN 65535:0, RFC 8326)
 *           straight to maintenance)
 *
 * Rules and why:
 * - starting announces nothing until the combined health is up (rise consecutive passes per
 *   check), unless announce-on-start, which announces at once.
 * - The withdrawal is decided inside the step that receives the fall-th failure: no timer,
 *   no batching, so the caller can send the UPDATE in the same tick.
 * - hold-down damps flapping: once a service that was announced goes down, it stays down at
 *   least hold-down even when its checks pass again (upstream route flap damping, RFC 2439,
 *   punishes every flap for much longer). A service that never was announced is not held.
 * - An unhealthy service is withdrawn even while draining or in maintenance: draining exists
 *   to move traffic gently away from a working instance, not to keep a dead one announced.
 * - A change is emitted only when the state or the announcement really changes.
 */
import type { AttributeOverrides, CheckKind, DrainConfig, OnFailure, ServiceConfig } from './config/types.js'
import { WellKnownCommunity } from '../wire/iana.js'
import { combineHealth, type CombineMode } from './checks/combine.js'
import { countVerdict, INITIAL_COUNTER, type CheckCounter, type CheckStatus } from './checks/counter.js'

export type ServiceStateName = 'starting' | 'up' | 'down' | 'draining' | 'maintenance'

export interface ServiceMachineConfig {
  readonly name: string
  readonly checks: ReadonlyArray<{ readonly name: string; readonly kind: CheckKind; readonly rise: number; readonly fall: number }>
  readonly combine: CombineMode
  readonly attributes: AttributeOverrides
  readonly onFailure: OnFailure
  readonly announceOnStart: boolean
  readonly holdDownMs: number
  readonly drain: DrainConfig
}

/** Attributes as they will be announced; null med/localPref = attribute not set by the service. */
export interface Announcement {
  readonly announce: boolean
  readonly med: number | null
  readonly localPref: number | null
  readonly prepend: number
  readonly communities: readonly number[]
  readonly largeCommunities: ReadonlyArray<readonly [number, number, number]>
}

export interface ChangeReason {
  readonly kind: 'start' | 'check' | 'hold-down' | 'drain-period' | 'maintenance' | 'dynamic-med'
  /** The check whose verdict decided it, with its streak. */
  readonly check?: string
  readonly passes?: number
  readonly fails?: number
  readonly detail?: string
  readonly text: string
}

export interface ServiceChange {
  readonly service: string
  readonly from: ServiceStateName | null
  readonly to: ServiceStateName
  readonly announcement: Announcement
  readonly reason: ChangeReason
  readonly atMs: number
}

export interface ServiceState {
  readonly state: ServiceStateName
  readonly counters: readonly CheckCounter[]
  /** Combined health of the non-file checks. */
  readonly health: CheckStatus
  /** Active maintenance sources: `check:<name>` for file checks, or what the caller named ('admin', 'shutdown'). */
  readonly maintenance: readonly string[]
  readonly sinceMs: number
  /** When an announced service last went down (hold-down origin); null when not held. */
  readonly downSinceMs: number | null
  readonly drainEndsMs: number | null
  /** dynamic-med value replacing the configured MED; null = configured. */
  readonly dynamicMed: number | null
  readonly announcement: Announcement
}

export type ServiceEvent =
  | { readonly type: 'verdict'; readonly check: number; readonly ok: boolean; readonly maintenance?: boolean | null; readonly detail?: string }
  | { readonly type: 'maintenance'; readonly on: boolean; readonly source: string }
  /** A deadline from serviceDeadline() passed. */
  | { readonly type: 'timer' }
  | { readonly type: 'med'; readonly med: number | null }

export interface StepResult {
  readonly s: ServiceState
  readonly changes: readonly ServiceChange[]
}

const GSHUT = WellKnownCommunity.GRACEFUL_SHUTDOWN

/** The machine's view of a service from the effective config; instanceCommunity from instance-id. */
export function serviceMachineConfig(svc: ServiceConfig, instanceCommunity: readonly [number, number, number] | null = null): ServiceMachineConfig {
  const attributes = instanceCommunity === null ? svc.attributes : { ...svc.attributes, largeCommunities: [...svc.attributes.largeCommunities, instanceCommunity] }
  return {
    name: svc.name,
    checks: svc.checks.map((c) => ({ name: c.name, kind: c.spec.kind, rise: c.rise, fall: c.fall })),
    combine: svc.combine,
    attributes,
    onFailure: svc.onFailure,
    announceOnStart: svc.announceOnStart,
    holdDownMs: svc.holdDownMs,
    drain: svc.drain,
  }
}

export function startService(cfg: ServiceMachineConfig, nowMs: number): StepResult {
  const counters = cfg.checks.map(() => INITIAL_COUNTER)
  const base: ServiceState = {
    state: 'starting', counters, health: healthOf(cfg, counters), maintenance: [], sinceMs: nowMs,
    downSinceMs: null, drainEndsMs: null, dynamicMed: null, announcement: announcementFor(cfg, 'starting', null),
  }
  const start: ServiceChange = {
    service: cfg.name, from: null, to: 'starting', announcement: base.announcement, atMs: nowMs,
    reason: { kind: 'start', text: cfg.announceOnStart ? 'started: announce-on-start' : `started: waiting for ${cfg.checks.length} check(s)` },
  }
  // No health checks at all: healthy from the start.
  const next = transition(cfg, base, nowMs, { kind: 'start', text: 'no health check' })
  return { s: next.s, changes: [start, ...next.changes] }
}

export function stepService(cfg: ServiceMachineConfig, s: ServiceState, ev: ServiceEvent, nowMs: number): StepResult {
  // A deadline that passed before this event is applied first, so a change that time caused is
  // reported as such (hold-down, drain period) even when a verdict beats the driver's timer.
  const due = serviceDeadline(cfg, s)
  if (ev.type !== 'timer' && due !== null && nowMs >= due) {
    const first = applyEvent(cfg, s, { type: 'timer' }, nowMs)
    const second = applyEvent(cfg, first.s, ev, nowMs)
    return { s: second.s, changes: [...first.changes, ...second.changes] }
  }
  return applyEvent(cfg, s, ev, nowMs)
}

function applyEvent(cfg: ServiceMachineConfig, s: ServiceState, ev: ServiceEvent, nowMs: number): StepResult {
  switch (ev.type) {
    case 'verdict': {
      const c = cfg.checks[ev.check]
      if (c === undefined) return { s, changes: [] }
      const isFile = c.kind === 'file'
      // A file check counts "flag present" as a failure, so its rise/fall apply to the flag too.
      const ok = isFile ? ev.maintenance !== true : ev.ok
      const counter = countVerdict(s.counters[ev.check]!, ok, c.rise, c.fall)
      const counters = s.counters.map((x, i) => (i === ev.check ? counter : x))
      let maintenance = s.maintenance
      if (isFile) maintenance = setSource(maintenance, `check:${c.name}`, counter.status === 'down')
      const health = healthOf(cfg, counters)
      // Hold-down (re)starts each time a service that is announced, or already held, loses its
      // health: RFC 2439 damping upstream counts every such flap.
      let downSinceMs = s.downSinceMs
      if (health === 'down' && s.health !== 'down' && (s.announcement.announce || downSinceMs !== null)) downSinceMs = nowMs
      const reason: ChangeReason = {
        kind: isFile ? 'maintenance' : 'check', check: c.name, passes: counter.passes, fails: counter.fails,
        ...(ev.detail === undefined ? {} : { detail: ev.detail }),
        text: verdictText(c, counter, isFile),
      }
      return transition(cfg, { ...s, counters, health, maintenance, downSinceMs }, nowMs, reason)
    }
    case 'maintenance':
      return transition(cfg, { ...s, maintenance: setSource(s.maintenance, ev.source, ev.on) }, nowMs, {
        kind: 'maintenance', text: `maintenance ${ev.on ? 'on' : 'off'} (${ev.source})`,
      })
    case 'timer': {
      const kind = s.state === 'draining' ? 'drain-period' : 'hold-down'
      return transition(cfg, s, nowMs, { kind, text: kind === 'drain-period' ? `drain period of ${cfg.drain.periodMs}ms over` : `hold-down of ${cfg.holdDownMs}ms over` })
    }
    case 'med':
      return transition(cfg, { ...s, dynamicMed: ev.med }, nowMs, { kind: 'dynamic-med', text: `dynamic MED ${ev.med ?? 'cleared'}` })
  }
}

/** The next time the driver must send { type: 'timer' }; null when no deadline is pending. */
export function serviceDeadline(cfg: ServiceMachineConfig, s: ServiceState): number | null {
  if (s.state === 'draining') return s.drainEndsMs
  if (s.state === 'down' && s.health === 'up' && s.downSinceMs !== null) return s.downSinceMs + cfg.holdDownMs
  return null
}

function transition(cfg: ServiceMachineConfig, s: ServiceState, nowMs: number, reason: ChangeReason): StepResult {
  const to = targetState(cfg, s, nowMs)
  let next: ServiceState = s
  if (to !== s.state) {
    next = {
      ...s,
      state: to,
      sinceMs: nowMs,
      drainEndsMs: to === 'draining' ? (s.state === 'draining' ? s.drainEndsMs : nowMs + cfg.drain.periodMs) : null,
    }
  }
  if (next.downSinceMs !== null && next.state === 'up') next = { ...next, downSinceMs: null }
  const announcement = announcementFor(cfg, next.state, next.dynamicMed)
  if (!sameAnnouncement(announcement, s.announcement)) next = { ...next, announcement }
  if (next.state === s.state && next.announcement === s.announcement) return { s: next, changes: [] }
  return { s: next, changes: [{ service: cfg.name, from: s.state, to: next.state, announcement: next.announcement, reason, atMs: nowMs }] }
}

function targetState(cfg: ServiceMachineConfig, s: ServiceState, nowMs: number): ServiceStateName {
  const announced = s.announcement.announce
  if (s.maintenance.length > 0) {
    if (s.health === 'down') return 'maintenance'
    if (s.state === 'draining') return s.drainEndsMs !== null && nowMs >= s.drainEndsMs ? 'maintenance' : 'draining'
    if (s.state === 'maintenance') return 'maintenance'
    return announced && cfg.drain.periodMs > 0 ? 'draining' : 'maintenance'
  }
  switch (s.health) {
    case 'down':
      return 'down'
    case 'up': {
      const heldUntil = s.downSinceMs === null ? -Infinity : s.downSinceMs + cfg.holdDownMs
      if (nowMs < heldUntil) return s.state === 'starting' ? 'starting' : 'down'
      return 'up'
    }
    case 'unknown':
      // Only while starting (a check never returns to unknown); after maintenance with undecided checks too.
      return 'starting'
  }
}

function announcementFor(cfg: ServiceMachineConfig, state: ServiceStateName, dynamicMed: number | null): Announcement {
  const a = cfg.attributes
  const base: Announcement = {
    announce: true,
    med: dynamicMed ?? a.med,
    localPref: a.localPref,
    prepend: a.prepend ?? 0,
    communities: a.communities,
    largeCommunities: a.largeCommunities,
  }
  switch (state) {
    case 'starting':
      return { ...base, announce: cfg.announceOnStart }
    case 'up':
      return base
    case 'down': {
      const f = cfg.onFailure
      if (f.action === 'withdraw') return { ...base, announce: false }
      return { ...base, med: f.med ?? base.med, localPref: f.localPref ?? base.localPref, prepend: f.prepend ?? base.prepend }
    }
    case 'draining': {
      const d = cfg.drain
      // RFC 8326 §3: the GRACEFUL_SHUTDOWN community marks routes about to be withdrawn.
      const communities = [...base.communities]
      for (const c of [GSHUT, ...d.communities]) if (!communities.includes(c)) communities.push(c)
      return { ...base, localPref: d.localPref ?? base.localPref, prepend: d.prepend ?? base.prepend, communities }
    }
    case 'maintenance':
      return { ...base, announce: false }
  }
}

function sameAnnouncement(a: Announcement, b: Announcement): boolean {
  if (a.announce !== b.announce) return false
  if (!a.announce) return true // attributes of a withdrawn route do not matter
  return (
    a.med === b.med && a.localPref === b.localPref && a.prepend === b.prepend &&
    a.communities.length === b.communities.length && a.communities.every((c, i) => c === b.communities[i]) &&
    a.largeCommunities.length === b.largeCommunities.length &&
    a.largeCommunities.every((c, i) => c[0] === b.largeCommunities[i]![0] && c[1] === b.largeCommunities[i]![1] && c[2] === b.largeCommunities[i]![2])
  )
}

function healthOf(cfg: ServiceMachineConfig, counters: readonly CheckCounter[]): CheckStatus {
  const statuses: CheckStatus[] = []
  for (let i = 0; i < counters.length; i++) if (cfg.checks[i]!.kind !== 'file') statuses.push(counters[i]!.status)
  return combineHealth(statuses, cfg.combine)
}

function setSource(list: readonly string[], source: string, on: boolean): readonly string[] {
  const has = list.includes(source)
  if (on === has) return list
  return on ? [...list, source] : list.filter((x) => x !== source)
}

function verdictText(c: { name: string; rise: number; fall: number }, k: CheckCounter, isFile: boolean): string {
  if (isFile) return `maintenance flag ${k.fails > 0 ? 'present' : 'absent'} (check ${c.name})`
  return k.fails > 0
    ? `check ${c.name} failed ${k.fails} time(s) in a row (fall ${c.fall})`
    : `check ${c.name} passed ${k.passes} time(s) in a row (rise ${c.rise})`
}

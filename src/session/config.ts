/**
 * Session configuration: the RFC 4271 §8 mandatory and optional session attributes (§8.1.1,
 * §8.2.1.3) and the capabilities we advertise (RFC 5492). Defaults are exported constants;
 * `sessionConfig()` fills and checks them once, so the FSM never re-validates.
 */
import { ipv4ToNumber } from '../wire/address.js'

/** RFC 4271 §10 suggested HoldTime: 90 seconds. */
export const DEFAULT_HOLD_TIME_SEC = 90
/** RFC 4271 §10 suggested ConnectRetryTime: 120 seconds. */
export const DEFAULT_CONNECT_RETRY_SEC = 120
/** RFC 4271 §8.2.2 OpenSent: "A HoldTimer value of 4 minutes is suggested". */
export const LARGE_HOLD_TIME_SEC = 240
/** First wait in Idle before an automatic restart (IdleHoldTime, §8.1.1 optional attribute). */
export const DEFAULT_IDLE_HOLD_SEC = 5
/** Ceiling of the DampPeerOscillations exponential backoff. */
export const DEFAULT_MAX_IDLE_HOLD_SEC = 300
/** Time in Established after which the backoff is forgotten (the peer counts as stable again). */
export const DEFAULT_STABLE_PERIOD_SEC = 300
/** RFC 9687 recommends a SendHoldTime of 8 minutes or twice the negotiated HoldTime, whichever is greater (paraphrase). */
export const MIN_SEND_HOLD_TIME_SEC = 480
/** RFC 4271 §4.2: "The Hold Time MUST be either zero or at least three seconds." */
export const MIN_NONZERO_HOLD_TIME_SEC = 3

/** Peer AS for static peers (a number) and dynamic peers (a range or a list). */
export type RemoteAs = number | { min: number; max: number } | readonly number[]

export type Family = readonly [afi: number, safi: number]

export interface CapabilityOptions {
  /** RFC 4760 families; default [[1, 1]] (IPv4 unicast). */
  families?: readonly Family[]
  /** RFC 7911 §4 Send/Receive per family: 1 receive, 2 send, 3 both. */
  addPath?: ReadonlyArray<{ afi: number; safi: number; mode: number }>
  /** RFC 8950 entries (IPv4 NLRI over IPv6 next hop). */
  extendedNextHop?: ReadonlyArray<{ afi: number; safi: number; nextHopAfi: number }>
  /** RFC 8654; default false. */
  extendedMessage?: boolean
  /** RFC 2918; default true. */
  routeRefresh?: boolean
  /** RFC 7313; default false. */
  enhancedRouteRefresh?: boolean
  /** RFC 4724 §3 (+ RFC 8538 N bit, default true). */
  gracefulRestart?: { restartTimeSec: number; notification?: boolean }
  /** RFC 9234 §4.1 BGP Role; strict: a peer without the capability is refused (§4.2). */
  role?: { role: number; strict?: boolean }
  /** RFC 5492 §3: capability codes the peer MUST advertise, else Unsupported Capability. */
  required?: readonly number[]
}

export interface SessionConfigInput {
  localAs: number
  remoteAs: RemoteAs
  /** Our BGP Identifier, dotted quad, non-zero (RFC 6286 §2.1). */
  bgpId: string
  holdTimeSec?: number
  /** Default: a third of the negotiated hold time (RFC 4271 §10). */
  keepaliveSec?: number
  connectRetrySec?: number
  /** DelayOpen optional attribute (§8.1.1); absent = FALSE. */
  delayOpenSec?: number
  /** Listen only: start with the PassiveTcpEstablishment events (4, 5, 7). */
  passive?: boolean
  /** IdleHoldTime (§8.1.1); the first wait before an automatic restart. */
  idleHoldSec?: number
  /** DampPeerOscillations backoff ceiling. */
  maxIdleHoldSec?: number
  stablePeriodSec?: number
  /** After an error the FSM restarts itself once the IdleHoldTimer expires; default true. */
  autoRestart?: boolean
  /** SendNOTIFICATIONwithoutOPEN (§8.1.1); default true (the peer learns why). */
  sendNotificationWithoutOpen?: boolean
  /** CollisionDetectEstablishedState (§8.1.1); default false. */
  collisionDetectEstablishedState?: boolean
  capabilities?: CapabilityOptions
}

export interface SessionConfig {
  readonly localAs: number
  readonly remoteAs: RemoteAs
  readonly bgpId: string
  readonly holdTimeSec: number
  /** Explicit keepalive, or null for hold/3. */
  readonly keepaliveSec: number | null
  readonly connectRetrySec: number
  readonly delayOpenSec: number | null
  readonly passive: boolean
  readonly idleHoldSec: number
  readonly maxIdleHoldSec: number
  readonly stablePeriodSec: number
  readonly autoRestart: boolean
  readonly sendNotificationWithoutOpen: boolean
  readonly collisionDetectEstablishedState: boolean
  /** iBGP when the peer AS is our AS (RFC 4271 §8.2.2 "internal connection"); null: known from the OPEN. */
  readonly internal: boolean | null
  readonly capabilities: Required<Omit<CapabilityOptions, 'gracefulRestart' | 'role'>> &
    Pick<CapabilityOptions, 'gracefulRestart' | 'role'>
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new RangeError(`session config: ${msg}`)
}

function isAsn(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 0xffffffff
}

export function remoteAsMatches(remote: RemoteAs, asn: number): boolean {
  if (typeof remote === 'number') return remote === asn
  if (Array.isArray(remote)) return (remote as readonly number[]).includes(asn)
  const r = remote as { min: number; max: number }
  return asn >= r.min && asn <= r.max
}

/** Fill defaults and check ranges once. Throws RangeError naming the bad field. */
export function sessionConfig(c: SessionConfigInput): SessionConfig {
  check(isAsn(c.localAs), `localAs ${c.localAs} is not an AS number`)
  if (typeof c.remoteAs === 'number') check(isAsn(c.remoteAs), `remoteAs ${c.remoteAs} is not an AS number`)
  else if (Array.isArray(c.remoteAs)) check(c.remoteAs.length > 0 && c.remoteAs.every(isAsn), 'remoteAs list')
  else {
    const r = c.remoteAs as { min: number; max: number }
    check(isAsn(r.min) && isAsn(r.max) && r.min <= r.max, 'remoteAs range')
  }
  const id = ipv4ToNumber(c.bgpId)
  check(!Number.isNaN(id) && id !== 0, `bgpId ${c.bgpId} must be a non-zero dotted quad (RFC 6286 §2.1)`)
  const hold = c.holdTimeSec ?? DEFAULT_HOLD_TIME_SEC
  check(Number.isInteger(hold) && hold >= 0 && hold <= 0xffff, 'holdTimeSec')
  check(hold === 0 || hold >= MIN_NONZERO_HOLD_TIME_SEC, 'holdTimeSec must be 0 or at least 3 (RFC 4271 §4.2)')
  const keepalive = c.keepaliveSec ?? null
  if (keepalive !== null) check(Number.isInteger(keepalive) && keepalive >= 1, 'keepaliveSec must be a positive integer')
  const pos = (v: number | undefined, d: number, name: string): number => {
    const x = v ?? d
    check(Number.isFinite(x) && x > 0, `${name} must be positive`)
    return x
  }
  const idleHoldSec = pos(c.idleHoldSec, DEFAULT_IDLE_HOLD_SEC, 'idleHoldSec')
  const maxIdleHoldSec = pos(c.maxIdleHoldSec, Math.max(DEFAULT_MAX_IDLE_HOLD_SEC, idleHoldSec), 'maxIdleHoldSec')
  check(maxIdleHoldSec >= idleHoldSec, 'maxIdleHoldSec below idleHoldSec')
  if (c.delayOpenSec !== undefined) check(c.delayOpenSec > 0, 'delayOpenSec must be positive')
  const caps = c.capabilities ?? {}
  if (caps.gracefulRestart) {
    const t = caps.gracefulRestart.restartTimeSec
    check(Number.isInteger(t) && t >= 0 && t <= 4095, 'gracefulRestart.restartTimeSec is 12 bits (RFC 4724 §3)')
  }
  if (caps.role) check(Number.isInteger(caps.role.role) && caps.role.role >= 0 && caps.role.role <= 255, 'role')
  for (const a of caps.addPath ?? []) check(a.mode >= 1 && a.mode <= 3, 'addPath mode is 1, 2 or 3 (RFC 7911 §4)')
  return Object.freeze({
    localAs: c.localAs,
    remoteAs: c.remoteAs,
    bgpId: c.bgpId,
    holdTimeSec: hold,
    keepaliveSec: keepalive,
    connectRetrySec: pos(c.connectRetrySec, DEFAULT_CONNECT_RETRY_SEC, 'connectRetrySec'),
    delayOpenSec: c.delayOpenSec ?? null,
    passive: c.passive ?? false,
    idleHoldSec,
    maxIdleHoldSec,
    stablePeriodSec: pos(c.stablePeriodSec, DEFAULT_STABLE_PERIOD_SEC, 'stablePeriodSec'),
    autoRestart: c.autoRestart ?? true,
    sendNotificationWithoutOpen: c.sendNotificationWithoutOpen ?? true,
    collisionDetectEstablishedState: c.collisionDetectEstablishedState ?? false,
    internal: typeof c.remoteAs === 'number' ? c.remoteAs === c.localAs : null,
    capabilities: Object.freeze({
      families: caps.families ?? [[1, 1] as const],
      addPath: caps.addPath ?? [],
      extendedNextHop: caps.extendedNextHop ?? [],
      extendedMessage: caps.extendedMessage ?? false,
      routeRefresh: caps.routeRefresh ?? true,
      enhancedRouteRefresh: caps.enhancedRouteRefresh ?? false,
      gracefulRestart: caps.gracefulRestart,
      role: caps.role,
      required: caps.required ?? [],
    }),
  })
}

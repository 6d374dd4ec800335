/**
 * What the control server asks of the daemon: one method per control command, returning plain
 * data (or, for `routes`, an iterable of rows). The daemon implements it on top of the Speaker
 * and its ServiceMonitors; tests implement it with fixed data. The server never sees either.
 *
 * Contract:
 * - Methods may return a value or a Promise; a thrown ControlError (protocol.ts) is answered with
 *   its code, a RangeError (how the Speaker refuses a bad prefix or attribute) with `invalid`,
 *   anything else with `internal` and the error's message.
 * - `routes` returns rows lazily (a generator): the server pulls one row at a time, waits for
 *   the client's socket to drain, and yields to the event loop every few hundred rows, so a
 *   full table goes out in bounded memory and never blocks sessions or keepalives. `signal`
 *   aborts when the client goes away; a generator is also closed with return().
 * - `neighbors` and `status` must be cheap with a full table: counters kept incrementally
 *   (Speaker.peers() is O(peers)), never a walk over routes.
 *
 * Row shapes follow the Speaker's public types (PeerSummary, RouteInfo, RouteAttributes), so
 * the daemon can hand them through unchanged; they are repeated here so that the control API's
 * wire format is stated in one place and changes to it are deliberate.
 */
import type { CheckStatus } from '../checks/counter.js'
import type { ServiceStateName } from '../service-state.js'
import type { ControlAnnounceAttributes, FamilyName, RoutesQuery } from './protocol.js'
import type { RouteAttributes } from '../../speaker/events.js'

export type Awaitable<T> = T | Promise<T>

export interface PingResult {
  pong: true
  /** Control protocol version. */
  v: number
  pid: number
}

export interface StatusInfo {
  /** tsbgp version. */
  version: string
  pid: number
  /** Wall-clock ms since the epoch. */
  startedAt: number
  routerId: string
  localAs: number
  configFile: string
  /** When the running configuration was loaded (start or last reload). */
  configLoadedAt: number
  neighbors: { total: number; established: number }
  services: { total: number; up: number; announced: number }
  /** Loc-RIB prefixes per family. */
  routes: Partial<Record<FamilyName, number>>
  /** Which instance this is: the per-instance large community and the unique per-instance prefixes. */
  instance: { id: number | null; largeCommunity: string | null; uniquePrefixes: string[] }
}

export type NeighborState = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'

export interface FamilyCountersRow {
  /** Paths received, before import policy; null when pre-policy routes are not kept. */
  received: number | null
  /** Accepted by import policy. */
  accepted: number
  /** Prefixes whose best path comes from this neighbor. */
  best: number
  /** Prefixes the neighbor has from us. */
  advertised: number
}

/** One neighbor (Speaker PeerSummary plus UPDATE counters). */
export interface NeighborRow {
  address: string
  remoteAs: number
  description?: string
  state: NeighborState
  /** Milliseconds in Established, 0 when down. */
  uptimeMs: number
  lastChangeAt: number | null
  lastError: string | null
  peerRouterId: string | null
  /** Families negotiated on the current session. */
  families: Partial<Record<FamilyName, FamilyCountersRow>>
  staleFamilies?: FamilyName[]
  updatesIn?: number
  updatesOut?: number
}

/** RFC 4271 §5 attributes as plain data: the Speaker's own form, one definition. */
export type RouteAttributesRow = RouteAttributes

export interface RouteRow {
  prefix: string
  family: FamilyName
  /** best/received: the neighbor it was learned from ('' for local routes); advertised: the neighbor it was sent to. */
  peer?: string
  peerAs?: number
  /** 'api' for routes originated by announce or a service, else 'bgp'. */
  source?: 'api' | 'bgp'
  /** best view: true for the best path, false for the other multipath members. */
  best?: boolean
  /** RFC 4724: kept from a restarting peer. */
  stale?: boolean
  attributes: RouteAttributesRow
}

export interface CheckRow {
  name: string
  kind: string
  status: CheckStatus
  passes: number
  fails: number
  /** The last probe's detail line. */
  detail?: string
  lastDurationMs?: number
}

export interface ServiceRow {
  name: string
  state: ServiceStateName
  /** Wall-clock ms since the epoch of the last state change. */
  since: number
  announced: boolean
  health: CheckStatus
  prefixes: string[]
  uniquePrefixes: string[]
  checks: CheckRow[]
  /** Active maintenance sources ('admin', 'check:flag', 'shutdown'). */
  maintenance: string[]
  /** MED as announced (dynamic or configured); null = not sent. */
  med: number | null
  /** Why the service is in its state (ChangeReason.text). */
  reason: string | null
}

export interface AnnounceResult {
  prefix: string
  family: FamilyName
  /** false: the route was already announced with the same attributes. */
  changed: boolean
}

export interface WithdrawResult {
  prefix: string
  /** false: no route for the prefix was announced through the control API. */
  changed: boolean
}

export interface DrainResult {
  /** The services concerned, with their state after the command. */
  services: Array<{ name: string; state: ServiceStateName }>
}

export interface ReloadResult {
  /** One line per change applied ("neighbor 192.0.2.2 added", "service dns: med 100 -> 200"); empty = nothing changed. */
  changes: string[]
  warnings: string[]
}

export interface ControlHandler {
  status(): Awaitable<StatusInfo>
  neighbors(): Awaitable<NeighborRow[]>
  routes(q: RoutesQuery, signal: AbortSignal): Iterable<RouteRow> | AsyncIterable<RouteRow>
  services(): Awaitable<ServiceRow[]>
  announce(prefix: string, attributes: ControlAnnounceAttributes): Awaitable<AnnounceResult>
  withdraw(prefix: string): Awaitable<WithdrawResult>
  /** service null = every service (admin maintenance source 'admin'). */
  drain(service: string | null): Awaitable<DrainResult>
  undrain(service: string | null): Awaitable<DrainResult>
  /** Re-read the config file; a config with errors throws ControlError('failed', the positioned messages). */
  reload(): Awaitable<ReloadResult>
}

/** The result type of each command (for `routes`: the row type). */
export interface ControlResults {
  ping: PingResult
  status: StatusInfo
  neighbors: NeighborRow[]
  routes: RouteRow
  services: ServiceRow[]
  announce: AnnounceResult
  withdraw: WithdrawResult
  drain: DrainResult
  undrain: DrainResult
  reload: ReloadResult
}

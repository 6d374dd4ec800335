/**
 * Speaker and peer options: the public, plain-data configuration of the library (STYLE.md "One options
 * object, named default constants, validated once"). `speakerOptions()` and `peerOptions()` fill the
 * defaults and throw a RangeError naming the bad field; nothing downstream re-validates.
 *
 * MRAI (RFC 4271 §9.2.1.1 MinRouteAdvertisementIntervalTimer): the RFC suggests 30 s for eBGP and 5 s
 * for iBGP; tsbgp defaults to 0 for both, because an anycast speaker's whole job is to withdraw fast when
 * a service fails, and it originates a handful of prefixes that need no rate limiting. Changes made in
 * one event-loop turn are still coalesced (one UPDATE per attribute set). Set `mraiMs` per peer, or
 * `mrai` on the speaker, to get the RFC behaviour.
 *
 * IPv6 next hop: on an IPv6 session the next hop self is the session's local IPv6 address. An IPv4
 * session carrying IPv6 routes (families: ['ipv4', 'ipv6']) has no IPv6 address of its own: operators
 * MUST set `nextHop6` for it, otherwise IPv6 routes are not exported to that peer (and a warning says why).
 *
 * ADD-PATH (RFC 7911): `addPath` is per family; it advertises the capability (RFC 7911 §4: Send/Receive/Both)
 * and takes effect per direction only when the peer advertised the mirror mode. See AddPathConfig.
 */
import type { Logger, LoggerOptions } from 'pino'
import { ipv4ToNumber, isIpv4, parseIpv6 } from '../wire/address.js'
import type { PolicyHook } from '../policy/hook.js'
import { DEFAULT_HOLD_TIME_SEC } from '../session/config.js'

export type { PolicyHook } from '../policy/hook.js'

export type FamilyName = 'ipv4' | 'ipv6'

/** Passive TCP port used when `listen` is given without a port. */
export const DEFAULT_LISTEN_PORT = 179
export const DEFAULT_LISTEN_ADDRESS = '::'
/** RFC 4271 §9.2.1.1 MRAI; 0 = send as soon as the current event-loop turn ends (see the header). */
export const DEFAULT_MRAI_MS = 0
/** Seconds the peer keeps our routes over our restart (RFC 4724 §3 Restart Time), when GR is enabled. */
export const DEFAULT_GR_RESTART_TIME_SEC = 120
/** ConnectRetryTime used by the speaker (RFC 4271 suggests 120 s; an anycast edge wants a quick retry). */
export const DEFAULT_CONNECT_RETRY_SEC = 5
/** Keep each peer's pre-policy routes for soft reconfiguration inbound (RFC 4271 §3.2 Adj-RIB-In). */
export const DEFAULT_KEEP_PRE_POLICY = true

/** Decision process knobs (RFC 4271 §9.1.2.2 and the usual vendor extensions). */
export interface DecisionConfig {
  /** Install several equal paths per prefix (ECMP); default false. */
  multipath?: boolean
  /** Most paths in a multipath set, best included; default 16. */
  maxPaths?: number
  /** Allow multipath across different neighbour ASes. */
  multipathRelax?: boolean
  alwaysCompareMed?: boolean
  deterministicMed?: boolean
  missingMedAsWorst?: boolean
  /** RFC 5004: prefer the oldest eBGP path. */
  preferOldest?: boolean
  /** LOCAL_PREF assumed for routes without one (default 100). */
  defaultLocalPref?: number
  ignoreAsPathLength?: boolean
}

/**
 * Which Loc-RIB paths of a prefix go to an ADD-PATH peer (RFC 7911), each with its own Path Identifier:
 * - 'best': the best path only (one path per prefix, with an identifier);
 * - 'multipath': the multipath set (SpeakerOptions.decision.multipath), best first;
 * - 'all': every valid path (next hop reachable), best first, then the multipath set, then decision order;
 * - a number N >= 1: like 'all', at most N paths per prefix (after export rules and policy).
 */
export type AddPathSend = 'best' | 'multipath' | 'all' | number

/** RFC 7911 for one family of one peer. */
export interface AddPathConfig {
  /**
   * Advertise "send" and, when the peer advertised "receive", announce several paths per prefix (see
   * AddPathSend). Export rules and the export policy run per path; path identifiers are ours, stable while a
   * path stays advertised, and withdrawals name them (RFC 7911 §3). Unset: one path per prefix, as without ADD-PATH.
   */
  send?: AddPathSend
  /** Advertise "receive": the peer may send several paths per prefix, each kept in our Adj-RIB-In. */
  receive?: boolean
}

/** The most paths per prefix `addPath.send` may ask for. */
export const MAX_ADD_PATH_SEND = 65535

export interface SpeakerOptions {
  /** BGP Identifier, dotted quad, non-zero (RFC 6286). */
  routerId: string
  localAs: number
  /** Passive TCP: where to accept connections. false (default) = no listener, dial out only. */
  listen?: { address?: string; port?: number } | false
  /** A pino logger, or options to make one; default: pino at level 'silent'. */
  logger?: Logger | LoggerOptions
  decision?: DecisionConfig
  /** Default MRAI per session kind, milliseconds (overridden by PeerConfig.mraiMs). */
  mrai?: { ebgpMs?: number; ibgpMs?: number }
  /** RFC 4456 CLUSTER_ID (route reflection); default the router id. */
  clusterId?: string
}

export interface PeerConfig {
  /** The peer's address (IPv4 or IPv6); the peer's key in every API call. */
  address: string
  remoteAs: number
  /** Default 179. */
  port?: number
  /** Source address for the TCP connection (and the next hop self when the session is not up yet). */
  localAddress?: string
  /** Seconds; 0 or >= 3 (RFC 4271 §4.2); default 90. */
  holdTime?: number
  keepalive?: number
  connectRetry?: number
  /** Only accept connections, never dial. */
  passive?: boolean
  /** RFC 2385 TCP MD5 key. */
  password?: string
  /** RFC 5082 GTSM; true = directly connected. */
  ttlSecurity?: boolean | { hops: number }
  /** Outbound TTL / hop limit 1..255 (1 = single-hop eBGP, n = multihop); unset = kernel default. Not with ttlSecurity. */
  ttl?: number
  /** Address families to negotiate; default ['ipv4'] (plus 'ipv6' when the peer address is IPv6). */
  families?: FamilyName[]
  importPolicy?: PolicyHook
  exportPolicy?: PolicyHook
  /** Next hop put on IPv4 routes sent to this peer instead of the session's local address. */
  nextHop?: string
  /** Next hop for IPv6 routes; REQUIRED to send IPv6 routes over an IPv4 session. */
  nextHop6?: string
  /** iBGP: rewrite the next hop of learned routes to ours (eBGP always does). */
  nextHopSelf?: boolean
  /** MRAI for this peer, ms. */
  mraiMs?: number
  /** Keep pre-policy routes so setPolicy re-runs import locally; false = ask the peer (ROUTE-REFRESH). */
  keepPrePolicy?: boolean
  /** RFC 4724: advertise Graceful Restart (the peer keeps our routes while we restart). */
  gracefulRestart?: boolean | { restartTimeSec: number }
  /** Occurrences of our AS tolerated in received AS_PATHs (default 0). */
  allowAsIn?: number
  /** RFC 4456: this iBGP peer is a route-reflector client. */
  rrClient?: boolean
  /** eBGP: keep MED learned from another AS (RFC 4271 §5.1.4 says not to by default). */
  sendMed?: boolean
  /**
   * RFC 7911 ADD-PATH per family, e.g. `{ ipv4: { send: 'all', receive: true } }`; the families must be in
   * `families`. Default: none (one path per prefix each way). Changing it restarts the session (a capability).
   */
  addPath?: Partial<Record<FamilyName, AddPathConfig>>
  description?: string
}

/** AddPathConfig after validation: `send` null = not sending several paths. */
export interface ResolvedAddPath {
  readonly send: AddPathSend | null
  readonly receive: boolean
}

export interface ResolvedSpeakerOptions {
  readonly routerId: string
  readonly localAs: number
  readonly listen: { readonly address: string; readonly port: number } | null
  readonly decision: DecisionConfig
  readonly mraiEbgpMs: number
  readonly mraiIbgpMs: number
  readonly clusterId: string | undefined
}

export interface ResolvedPeerConfig {
  readonly address: string
  readonly remoteAs: number
  readonly port: number
  readonly localAddress: string | undefined
  readonly holdTime: number
  readonly keepalive: number | undefined
  readonly connectRetry: number
  readonly passive: boolean
  readonly password: string | undefined
  readonly ttlSecurity: boolean | { hops: number } | undefined
  readonly ttl: number | undefined
  readonly families: readonly FamilyName[]
  readonly importPolicy: PolicyHook | null
  readonly exportPolicy: PolicyHook | null
  readonly nextHop: string | undefined
  readonly nextHop6: string | undefined
  readonly nextHopSelf: boolean
  readonly mraiMs: number
  readonly keepPrePolicy: boolean
  readonly gracefulRestart: { restartTimeSec: number } | null
  readonly allowAsIn: number
  readonly rrClient: boolean
  readonly sendMed: boolean
  /** Families with ADD-PATH configured (either direction). */
  readonly addPath: Readonly<Partial<Record<FamilyName, ResolvedAddPath>>>
  readonly description: string | undefined
  readonly ebgp: boolean
}

function check(ok: boolean, msg: string): void {
  if (!ok) throw new RangeError(msg)
}

const isAsn = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 0xffffffff
const isV6 = (a: string): boolean => parseIpv6(a, new Uint8Array(16))
export const isAddress = (a: unknown): boolean => typeof a === 'string' && (isIpv4(a) || isV6(a))
const nonNegInt = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0

export function speakerOptions(o: SpeakerOptions): ResolvedSpeakerOptions {
  check(typeof o === 'object' && o !== null, 'Speaker options: an object is required')
  const id = typeof o.routerId === 'string' ? ipv4ToNumber(o.routerId) : NaN
  check(!Number.isNaN(id) && id !== 0, `routerId ${String(o.routerId)} must be a non-zero dotted quad (RFC 6286 §2.1)`)
  check(isAsn(o.localAs), `localAs ${String(o.localAs)} is not an AS number`)
  let listen: ResolvedSpeakerOptions['listen'] = null
  if (o.listen !== undefined && o.listen !== false) {
    const address = o.listen.address ?? DEFAULT_LISTEN_ADDRESS
    const port = o.listen.port ?? DEFAULT_LISTEN_PORT
    check(isAddress(address), `listen.address ${address} is not an IP address`)
    check(nonNegInt(port) && port <= 65535, `listen.port ${port} is not a TCP port`)
    listen = Object.freeze({ address, port })
  }
  const d = o.decision ?? {}
  if (d.maxPaths !== undefined) check(Number.isInteger(d.maxPaths) && d.maxPaths >= 1, 'decision.maxPaths must be an integer >= 1')
  const mraiEbgpMs = o.mrai?.ebgpMs ?? DEFAULT_MRAI_MS
  const mraiIbgpMs = o.mrai?.ibgpMs ?? DEFAULT_MRAI_MS
  check(nonNegInt(mraiEbgpMs) && nonNegInt(mraiIbgpMs), 'mrai.ebgpMs / mrai.ibgpMs must be non-negative integers (ms)')
  if (o.clusterId !== undefined) check(!Number.isNaN(ipv4ToNumber(o.clusterId)), 'clusterId must be a dotted quad')
  return Object.freeze({ routerId: o.routerId, localAs: o.localAs, listen, decision: { ...d }, mraiEbgpMs, mraiIbgpMs, clusterId: o.clusterId })
}

export function peerOptions(p: PeerConfig, sp: ResolvedSpeakerOptions): ResolvedPeerConfig {
  check(typeof p === 'object' && p !== null, 'peer: an object is required')
  check(isAddress(p.address), `peer address ${String(p.address)} is not an IP address`)
  check(isAsn(p.remoteAs), `peer ${p.address}: remoteAs ${String(p.remoteAs)} is not an AS number`)
  const port = p.port ?? DEFAULT_LISTEN_PORT
  check(nonNegInt(port) && port >= 1 && port <= 65535, `peer ${p.address}: port ${port}`)
  if (p.localAddress !== undefined) check(isAddress(p.localAddress), `peer ${p.address}: localAddress ${p.localAddress}`)
  const holdTime = p.holdTime ?? DEFAULT_HOLD_TIME_SEC
  check(holdTime === 0 || (Number.isInteger(holdTime) && holdTime >= 3 && holdTime <= 65535), `peer ${p.address}: holdTime must be 0 or 3..65535 (RFC 4271 §4.2)`)
  const families = p.families ?? (isIpv4(p.address) ? ['ipv4'] : ['ipv4', 'ipv6'])
  check(families.length > 0 && families.every((f) => f === 'ipv4' || f === 'ipv6'), `peer ${p.address}: families are 'ipv4' / 'ipv6'`)
  if (p.nextHop !== undefined) check(isIpv4(p.nextHop), `peer ${p.address}: nextHop must be an IPv4 address`)
  if (p.nextHop6 !== undefined) check(isV6(p.nextHop6), `peer ${p.address}: nextHop6 must be an IPv6 address`)
  for (const [k, v] of [['importPolicy', p.importPolicy], ['exportPolicy', p.exportPolicy]] as const) {
    check(v === undefined || v === null || typeof v === 'function', `peer ${p.address}: ${k} must be a function`)
  }
  const ebgp = p.remoteAs !== sp.localAs
  const mraiMs = p.mraiMs ?? (ebgp ? sp.mraiEbgpMs : sp.mraiIbgpMs)
  check(nonNegInt(mraiMs), `peer ${p.address}: mraiMs must be a non-negative integer`)
  const allowAsIn = p.allowAsIn ?? 0
  check(nonNegInt(allowAsIn), `peer ${p.address}: allowAsIn`)
  const gr = p.gracefulRestart
  const gracefulRestart = gr === undefined || gr === false ? null : gr === true ? { restartTimeSec: DEFAULT_GR_RESTART_TIME_SEC } : { ...gr }
  const addPath = resolveAddPath(p, families)
  const connectRetry = p.connectRetry ?? DEFAULT_CONNECT_RETRY_SEC
  check(typeof connectRetry === 'number' && connectRetry > 0, `peer ${p.address}: connectRetry must be positive`)
  return Object.freeze({
    address: p.address,
    remoteAs: p.remoteAs,
    port,
    localAddress: p.localAddress,
    holdTime,
    keepalive: p.keepalive,
    connectRetry,
    passive: p.passive ?? false,
    password: p.password,
    ttlSecurity: p.ttlSecurity,
    ttl: p.ttl,
    families: Object.freeze([...new Set(families)]),
    importPolicy: p.importPolicy ?? null,
    exportPolicy: p.exportPolicy ?? null,
    nextHop: p.nextHop,
    nextHop6: p.nextHop6,
    nextHopSelf: p.nextHopSelf ?? false,
    mraiMs,
    keepPrePolicy: p.keepPrePolicy ?? DEFAULT_KEEP_PRE_POLICY,
    gracefulRestart,
    allowAsIn,
    rrClient: p.rrClient ?? false,
    sendMed: p.sendMed ?? false,
    addPath,
    description: p.description,
    ebgp,
  })
}

function resolveAddPath(p: PeerConfig, families: readonly FamilyName[]): ResolvedPeerConfig['addPath'] {
  const out: Partial<Record<FamilyName, ResolvedAddPath>> = {}
  const a = p.addPath
  if (a === undefined) return Object.freeze(out)
  check(typeof a === 'object' && a !== null, `peer ${p.address}: addPath must be an object per family ({ ipv4: { send, receive } })`)
  for (const [f, c] of Object.entries(a) as Array<[string, AddPathConfig | undefined]>) {
    if (c === undefined) continue
    check((f === 'ipv4' || f === 'ipv6') && families.includes(f), `peer ${p.address}: addPath.${f}: not one of the peer's families`)
    check(typeof c === 'object' && c !== null, `peer ${p.address}: addPath.${f} must be { send?, receive? }`)
    const s = c.send
    check(
      s === undefined || s === 'best' || s === 'multipath' || s === 'all' || (typeof s === 'number' && Number.isInteger(s) && s >= 1 && s <= MAX_ADD_PATH_SEND),
      `peer ${p.address}: addPath.${f}.send is 'best', 'multipath', 'all' or 1..${MAX_ADD_PATH_SEND}`,
    )
    check(c.receive === undefined || typeof c.receive === 'boolean', `peer ${p.address}: addPath.${f}.receive must be a boolean`)
    if (s === undefined && c.receive !== true) continue
    out[f as FamilyName] = Object.freeze({ send: s ?? null, receive: c.receive ?? false })
  }
  return Object.freeze(out)
}

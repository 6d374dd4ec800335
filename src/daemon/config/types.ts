/**
 * The effective daemon configuration: what `loadConfig` returns after schema validation and
 * defaults. Plain data (no classes), every default filled, units in names; docs/config.md
 * documents each key of the YAML form and the default that lands here.
 */

export type Family = 'ipv4' | 'ipv6'
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'

/** Where a value came from, for later compilers (policy) that report their own errors. */
export interface SourcePos {
  readonly file: string
  readonly line: number
  readonly col: number
}

export interface PrefixConfig {
  /** Canonical text, host bits clear: "198.51.100.53/32", "2001:db8:53::53/128". */
  readonly prefix: string
  readonly family: Family
  readonly length: number
}

/** Attribute settings; null = not set at this level (the next level or the speaker decides). */
export interface AttributeOverrides {
  readonly med: number | null
  readonly localPref: number | null
  /** Extra copies of the local AS prepended (0 = none). */
  readonly prepend: number | null
  /** RFC 1997 communities as 32-bit numbers (asn << 16 | value), config order. */
  readonly communities: readonly number[]
  /** RFC 8092 large communities as [global, local1, local2]. */
  readonly largeCommunities: ReadonlyArray<readonly [number, number, number]>
}

export interface PolicyRule {
  /** Kept verbatim (YAML -> JSON) for the policy compiler. */
  readonly match: unknown
  readonly action: unknown
  readonly pos: SourcePos
}

export interface NeighborConfig {
  /** Canonical text of the peer's address. */
  readonly address: string
  readonly addressFamily: Family
  readonly remoteAs: number
  /** iBGP when remote-as equals local-as (RFC 4271 §5.1.5 LOCAL_PREF only goes to internal peers). */
  readonly internal: boolean
  readonly localAddress: string | null
  readonly port: number
  readonly holdTimeSec: number
  /** null = a third of the negotiated hold time (RFC 4271 §10). */
  readonly keepaliveSec: number | null
  readonly connectRetrySec: number
  readonly passive: boolean
  /** eBGP multihop TTL; null = directly connected (TTL 1 for eBGP, 255 for iBGP). */
  readonly multihopTtl: number | null
  /** RFC 2385 TCP MD5 key; null = none. */
  readonly password: string | null
  /** RFC 5082 GTSM: the number of hops allowed (1 = directly connected); null = off. */
  readonly ttlSecurityHops: number | null
  readonly families: readonly Family[]
  readonly nextHopSelf: boolean
  /** Explicit next hops per family; null = the session's local address for that family. */
  readonly nextHopIpv4: string | null
  readonly nextHopIpv6: string | null
  readonly description: string | null
  /** Applied to every service announced to this neighbor, after the service's own values. */
  readonly overrides: AttributeOverrides
  /** Instance-specific export rules, kept for the policy compiler. */
  readonly exportPolicy: readonly PolicyRule[]
}

export type CheckSpec =
  | { readonly kind: 'exec'; readonly command: string }
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | {
      readonly kind: 'http'
      readonly url: string
      readonly statusMin: number
      readonly statusMax: number
      readonly body: string | null
      readonly bodyRegex: string | null
    }
  | {
      readonly kind: 'dns'
      readonly server: string
      readonly port: number
      readonly qname: string
      readonly qtype: 'A' | 'AAAA' | 'SOA'
      readonly rcode: number
    }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'process'; readonly pid: number | null; readonly pidfile: string | null; readonly pollMs: number }

export type CheckKind = CheckSpec['kind']

export interface CheckConfig {
  /** Unique within the service; default "<kind>" or "<kind>#<index>" when the kind repeats. */
  readonly name: string
  readonly spec: CheckSpec
  readonly intervalMs: number
  /** Used while a state change is pending (a streak toward the other status has begun). */
  readonly fastIntervalMs: number
  readonly timeoutMs: number
  readonly rise: number
  readonly fall: number
}

export type OnFailure =
  | { readonly action: 'withdraw' }
  | { readonly action: 'degrade'; readonly med: number | null; readonly prepend: number | null; readonly localPref: number | null }

export interface DrainConfig {
  readonly periodMs: number
  readonly localPref: number | null
  readonly prepend: number | null
  /** Added to the service's communities, after GRACEFUL_SHUTDOWN 65535:0 (RFC 8326), which is always sent. */
  readonly communities: readonly number[]
}

export interface DynamicMedConfig {
  readonly command: string | null
  readonly file: string | null
  readonly intervalMs: number
}

export interface ServiceConfig {
  readonly name: string
  readonly prefixes: readonly PrefixConfig[]
  /** Per-instance prefixes announced whenever the daemon runs, whatever the checks say. */
  readonly uniquePrefixes: readonly PrefixConfig[]
  readonly checks: readonly CheckConfig[]
  readonly combine: 'all' | 'any'
  readonly attributes: AttributeOverrides
  /** Neighbor addresses (canonical) this service is announced to. */
  readonly neighbors: readonly string[]
  readonly onFailure: OnFailure
  readonly announceOnStart: boolean
  readonly holdDownMs: number
  readonly drain: DrainConfig
  readonly dynamicMed: DynamicMedConfig | null
}

export interface DaemonConfig {
  readonly file: string
  readonly routerId: string
  readonly localAs: number
  /** RFC 8092 large community local-as:instance-id:0 tagging this instance's routes; null = off. */
  readonly instanceId: number | null
  /** null = no listener: every session is opened actively by us. */
  readonly listen: { readonly address: string; readonly port: number } | null
  readonly neighbors: readonly NeighborConfig[]
  readonly services: readonly ServiceConfig[]
  readonly policy: readonly PolicyRule[]
  readonly control: { readonly socket: string; readonly mode: number }
  readonly metrics: { readonly listen: { readonly address: string; readonly port: number } | null }
  readonly log: { readonly level: LogLevel }
}

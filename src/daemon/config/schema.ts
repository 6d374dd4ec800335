/**
 * The config file schema: top-level keys, neighbors, and the rules that need the whole file
 * (duplicates, service -> neighbor references, address families, impossible combinations).
 * Services and checks are in schema-service.ts and schema-check.ts; docs/config.md documents
 * every key with its type and default, and must change with this file.
 */
import type { Document, Node } from 'yaml'
import { DEFAULT_CONNECT_RETRY_SEC, DEFAULT_HOLD_TIME_SEC, MIN_NONZERO_HOLD_TIME_SEC } from '../../session/config.js'
import { isAbsent, type Obj, type Reader, type YNode } from './reader.js'
import { MAX_PREPEND, parseAttributes, parseService, type ParsedService } from './schema-service.js'
import { canonicalAddress, parseAddress, parseAsn, parseEndpoint, parseMode, parseRouterId, prefixesOverlap } from './values.js'
import type { DaemonConfig, Family, LogLevel, NeighborConfig, PolicyRule, ServiceConfig } from './types.js'

const TOP_KEYS = ['router-id', 'local-as', 'instance-id', 'listen', 'neighbors', 'services', 'policy', 'control', 'metrics', 'log'] as const
const NEIGHBOR_KEYS = [
  'address', 'remote-as', 'local-address', 'port', 'hold-time', 'keepalive', 'connect-retry', 'passive', 'multihop',
  'password', 'ttl-security', 'families', 'next-hop-self', 'next-hop', 'description', 'export', 'med', 'local-pref',
  'prepend', 'communities', 'large-communities',
] as const

export const BGP_PORT = 179
export const DEFAULT_CONTROL_SOCKET = '/run/tsbgp/tsbgp.sock'
export const DEFAULT_CONTROL_MODE = 0o600
export const DEFAULT_METRICS_PORT = 9179
export const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']
/** Linux TCP_MD5SIG_MAXKEYLEN (RFC 2385 sets no limit of its own). */
const MAX_MD5_KEY = 80

interface ParsedNeighbor {
  readonly n: NeighborConfig
  readonly o: Obj
}

/** Validate the document; the effective config when no error was found (issues are in r.issues). */
export function parseConfig(r: Reader, doc: Document.Parsed): DaemonConfig | null {
  const root = r.deref(doc.contents as YNode)
  if (isAbsent(root)) {
    r.error(root, '', 'the file is empty (needs at least router-id, local-as, neighbors)')
    return null
  }
  const o = r.obj(root, '', TOP_KEYS)
  if (o === null) return null
  const routerId = parseRouterId(r, o.need('router-id'), 'router-id')
  const localAs = parseAsn(r, o.need('local-as'), 'local-as')
  const instanceId = o.int('instance-id', 0, 4294967295)
  const listen = parseListen(o)

  const neighbors: ParsedNeighbor[] = []
  const firstLine = new Map<string, number>()
  const nl = r.list(o.need('neighbors'), 'neighbors')
  if (nl !== null && nl.length === 0) r.error(o.get('neighbors'), 'neighbors', 'needs at least one neighbor')
  for (const it of nl ?? []) {
    const pn = parseNeighbor(r, it.node, it.path, localAs ?? 0, listen !== null)
    if (pn === null) continue
    const dup = firstLine.get(pn.n.address)
    if (dup !== undefined) r.error(pn.o.get('address'), pn.o.at('address'), `duplicate neighbor ${pn.n.address} (first at line ${dup})`)
    else firstLine.set(pn.n.address, r.pos(it.node).line)
    neighbors.push(pn)
  }

  const services: ServiceConfig[] = []
  const parsed: Array<{ s: ParsedService; path: string }> = []
  const names = new Map<string, number>()
  for (const it of r.list(o.get('services'), 'services') ?? []) {
    const s = parseService(r, it.node, it.path)
    if (s === null) continue
    const dup = names.get(s.name)
    if (dup !== undefined) r.error(s.nameNode, `${it.path}.name`, `duplicate service name '${s.name}' (first at line ${dup})`)
    else names.set(s.name, r.pos(s.nameNode).line)
    parsed.push({ s, path: it.path })
    services.push(resolveService(r, s, it.path, neighbors))
  }
  checkOverlaps(r, parsed)

  const policy = parsePolicy(r, o.get('policy'), 'policy')
  const control = r.obj(o.get('control'), 'control', ['socket', 'mode'])
  const metrics = r.obj(o.get('metrics'), 'metrics', ['listen'])
  const mListen = metrics === null ? null : parseEndpoint(r, metrics.get('listen'), metrics.at('listen'), DEFAULT_METRICS_PORT)
  const log = r.obj(o.get('log'), 'log', ['level'])
  if (routerId === null || localAs === null || r.errorCount > 0) return null
  return {
    file: r.file,
    routerId,
    localAs,
    instanceId,
    listen,
    neighbors: neighbors.map((p) => p.n),
    services,
    policy,
    control: {
      socket: control?.str('socket') ?? DEFAULT_CONTROL_SOCKET,
      mode: (control === null ? null : parseMode(r, control.get('mode'), control.at('mode'))) ?? DEFAULT_CONTROL_MODE,
    },
    metrics: { listen: mListen === null ? null : { address: mListen.host, port: mListen.port } },
    log: { level: log?.oneOf('level', LOG_LEVELS) ?? 'info' },
  }
}

function parseListen(o: Obj): { address: string; port: number } | null {
  const l = o.r.obj(o.get('listen'), 'listen', ['address', 'port'])
  if (l === null) return null
  const a = parseAddress(o.r, l.get('address'), l.at('address'))
  return { address: a?.address ?? '0.0.0.0', port: l.int('port', 1, 65535) ?? BGP_PORT }
}

function parseNeighbor(r: Reader, node: YNode, path: string, localAs: number, listening: boolean): ParsedNeighbor | null {
  const o = r.obj(node, path, NEIGHBOR_KEYS)
  if (o === null) {
    if (isAbsent(node)) r.error(node, path, 'empty neighbor (needs at least address and remote-as)')
    return null
  }
  const addr = parseAddress(r, o.need('address'), o.at('address'))
  const remoteAs = parseAsn(r, o.need('remote-as'), o.at('remote-as'))
  const local = parseAddress(r, o.get('local-address'), o.at('local-address'))
  if (addr !== null && local !== null && local.family !== addr.family) {
    r.error(o.get('local-address'), o.at('local-address'), `${local.address} is ${local.family} but the neighbor address ${addr.address} is ${addr.family}`)
  }
  // RFC 4271 §4.2: "The Hold Time MUST be either zero or at least three seconds."
  const holdTimeSec = o.int('hold-time', 0, 65535) ?? DEFAULT_HOLD_TIME_SEC
  if (holdTimeSec > 0 && holdTimeSec < MIN_NONZERO_HOLD_TIME_SEC) {
    r.error(o.get('hold-time'), o.at('hold-time'), `${holdTimeSec}: the hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)`)
  }
  const keepaliveSec = o.int('keepalive', 1, 21845)
  if (keepaliveSec !== null && holdTimeSec === 0) r.error(o.get('keepalive'), o.at('keepalive'), 'no KEEPALIVEs are sent when hold-time is 0 (RFC 4271 §4.4)')
  else if (keepaliveSec !== null && keepaliveSec >= holdTimeSec) {
    r.error(o.get('keepalive'), o.at('keepalive'), `${keepaliveSec}s must be below hold-time ${holdTimeSec}s (RFC 4271 §10 suggests a third)`)
  }
  const connectRetrySec = o.int('connect-retry', 1, 65535) ?? DEFAULT_CONNECT_RETRY_SEC
  const passive = o.bool('passive') ?? false
  if (passive && !listening) r.error(o.get('passive'), o.at('passive'), "a passive neighbor needs a listener: add 'listen:' at the top level")
  const multihopTtl = parseMultihop(o)
  const gtsm = parseTtlSecurity(o)
  if (multihopTtl !== null && gtsm !== null) {
    r.error(o.get('ttl-security'), o.at('ttl-security'), "cannot be combined with 'multihop' (GTSM fixes the TTL at 255, RFC 5082); use ttl-security: <hops>")
  }
  const password = o.str('password')
  if (password !== null && Buffer.byteLength(password) > MAX_MD5_KEY) r.error(o.get('password'), o.at('password'), `longer than ${MAX_MD5_KEY} bytes (TCP MD5 key limit)`)
  const families = parseFamilies(o)
  const nh = r.obj(o.get('next-hop'), o.at('next-hop'), ['ipv4', 'ipv6'])
  const nextHopIpv4 = nh === null ? null : (parseAddress(r, nh.get('ipv4'), nh.at('ipv4'), 'ipv4')?.address ?? null)
  const nextHopIpv6 = nh === null ? null : (parseAddress(r, nh.get('ipv6'), nh.at('ipv6'), 'ipv6')?.address ?? null)
  for (const [f, v] of [['ipv4', nextHopIpv4], ['ipv6', nextHopIpv6]] as const) {
    if (v !== null && !families.includes(f)) r.warn(nh?.get(f), `${o.at('next-hop')}.${f}`, `unused: ${f} is not in families`)
  }
  const overrides = parseAttributes(o)
  const internal = remoteAs !== null && remoteAs === localAs
  if (overrides.localPref !== null && !internal && remoteAs !== null) {
    r.warn(o.get('local-pref'), o.at('local-pref'), 'ignored: LOCAL_PREF is not sent to an external peer (RFC 4271 §5.1.5)')
  }
  if (addr === null || remoteAs === null) return null
  const n: NeighborConfig = {
    address: addr.address,
    addressFamily: addr.family,
    remoteAs,
    internal,
    localAddress: local?.address ?? null,
    port: o.int('port', 1, 65535) ?? BGP_PORT,
    holdTimeSec,
    keepaliveSec,
    connectRetrySec,
    passive,
    multihopTtl,
    password,
    ttlSecurityHops: gtsm,
    families,
    nextHopSelf: o.bool('next-hop-self') ?? true,
    nextHopIpv4,
    nextHopIpv6,
    description: o.str('description'),
    overrides,
    exportPolicy: parsePolicy(r, o.get('export'), o.at('export')),
  }
  return { n, o }
}

/** `multihop: true` (TTL 255) or `multihop: <ttl 2..255>`. */
function parseMultihop(o: Obj): number | null {
  const n = o.get('multihop')
  if (!o.has('multihop')) return null
  if (o.r.sourceText(n) === 'true' || o.r.sourceText(n) === 'false') return o.bool('multihop') === true ? 255 : null
  return o.int('multihop', 2, 255)
}

/** `ttl-security: true` (directly connected, 1 hop) or `ttl-security: <hops 1..254>` (RFC 5082 §3). */
function parseTtlSecurity(o: Obj): number | null {
  const n = o.get('ttl-security')
  if (!o.has('ttl-security')) return null
  if (o.r.sourceText(n) === 'true' || o.r.sourceText(n) === 'false') return o.bool('ttl-security') === true ? 1 : null
  return o.int('ttl-security', 1, 254)
}

/** Default [ipv4, ipv6]: both are offered (RFC 4760); a family the peer does not enable is simply not negotiated. */
function parseFamilies(o: Obj): Family[] {
  const items = o.r.list(o.get('families'), o.at('families'))
  if (items === null) return ['ipv4', 'ipv6']
  const out: Family[] = []
  for (const it of items) {
    const f = o.r.oneOf(it.node, it.path, ['ipv4', 'ipv6'] as const)
    if (f === null) continue
    if (out.includes(f)) o.r.error(it.node, it.path, `duplicate family ${f}`)
    else out.push(f)
  }
  if (items.length === 0) o.r.error(o.get('families'), o.at('families'), 'needs at least one of ipv4, ipv6')
  return out
}

/** An ordered list of { match, action } kept verbatim for the policy compiler (not compiled here). */
function parsePolicy(r: Reader, node: YNode, path: string): PolicyRule[] {
  const out: PolicyRule[] = []
  for (const it of r.list(node, path) ?? []) {
    const o = r.obj(it.node, it.path, ['match', 'action'])
    if (o === null) {
      if (isAbsent(it.node)) r.error(it.node, it.path, 'empty rule (needs match and action)')
      continue
    }
    const m = o.need('match')
    const a = o.need('action')
    if (isAbsent(m) || isAbsent(a)) continue
    out.push({ match: (m as Node).toJSON(), action: (a as Node).toJSON(), pos: r.pos(it.node) })
  }
  return out
}

/** Resolve `neighbors:` references and check each prefix can reach at least one neighbor of its family. */
function resolveService(r: Reader, s: ParsedService, path: string, neighbors: readonly ParsedNeighbor[]): ServiceConfig {
  let selected: ParsedNeighbor[] = [...neighbors]
  if (s.neighborRefs !== null) {
    selected = []
    for (const { ref, node } of s.neighborRefs) {
      const canon = canonicalAddress(ref) ?? ref
      const hits = neighbors.filter((p) => p.n.address === canon || p.n.description === ref)
      if (hits.length === 0) r.error(node, `${path}.neighbors`, `no neighbor with address or description '${ref}'`)
      for (const h of hits) if (!selected.includes(h)) selected.push(h)
    }
  }
  const lists = [
    ['prefixes', s.prefixes, s.prefixNodes],
    ['unique-prefixes', s.uniquePrefixes, s.uniquePrefixNodes],
  ] as const
  for (const [key, prefixes, nodes] of lists) {
    prefixes.forEach((p, i) => {
      if (selected.length === 0 || selected.some((nb) => nb.n.families.includes(p.family))) return
      const list = selected.map((nb) => `${nb.n.address} [${nb.n.families.join(', ')}]`).join(', ')
      r.error(nodes[i], `${path}.${key}[${i}]`, `${p.prefix} is ${p.family} but no neighbor of this service carries ${p.family} (${list})`)
    })
  }
  if (s.attributes.localPref !== null && selected.length > 0 && selected.every((nb) => !nb.n.internal)) {
    r.warn(s.localPrefNode, `${path}.local-pref`, 'ignored: every neighbor of this service is external and LOCAL_PREF is not sent to external peers (RFC 4271 §5.1.5)')
  }
  const prepend = s.attributes.prepend ?? 0
  if (s.drain.prepend !== null && prepend + s.drain.prepend > MAX_PREPEND) r.warn(s.nameNode, `${path}.drain.prepend`, `large prepend (${prepend + s.drain.prepend})`)
  return {
    name: s.name,
    prefixes: s.prefixes,
    uniquePrefixes: s.uniquePrefixes,
    checks: s.checks,
    combine: s.combine,
    attributes: s.attributes,
    neighbors: selected.map((nb) => nb.n.address),
    onFailure: s.onFailure,
    announceOnStart: s.announceOnStart,
    holdDownMs: s.holdDownMs,
    drain: s.drain,
    dynamicMed: s.dynamicMed,
  }
}

/** Overlapping anycast prefixes across services: legal (longest match wins) but usually a typo, so a warning.
 * A unique prefix that overlaps another service's anycast prefix would pin sessions to the wrong place: an error. */
function checkOverlaps(r: Reader, parsed: ReadonlyArray<{ s: ParsedService; path: string }>): void {
  for (let i = 0; i < parsed.length; i++) {
    const a = parsed[i]!
    for (let j = 0; j < parsed.length; j++) {
      const b = parsed[j]!
      if (j > i) {
        a.s.prefixes.forEach((pa) =>
          b.s.prefixes.forEach((pb, k) => {
            if (prefixesOverlap(pa, pb)) r.warn(b.s.prefixNodes[k], `${b.path}.prefixes[${k}]`, `${pb.prefix} overlaps ${pa.prefix} of service '${a.s.name}'`)
          }),
        )
      }
      b.s.uniquePrefixes.forEach((pu, k) => {
        for (const pa of a.s.prefixes) {
          if (prefixesOverlap(pa, pu)) r.error(b.s.uniquePrefixNodes[k], `${b.path}.unique-prefixes[${k}]`, `${pu.prefix} overlaps anycast prefix ${pa.prefix} of service '${a.s.name}'`)
        }
      })
    }
  }
}

/**
 * Schema of one anycast service: its prefixes, how its health is checked, the attributes it is
 * announced with, what happens on failure and how it drains (RFC 8326 GRACEFUL_SHUTDOWN).
 * Cross-service and service-to-neighbor rules live in schema.ts, which sees the whole file.
 */
import { isScalar, type Node } from 'yaml'
import { describe, isAbsent, type Obj, type Reader, type YNode } from './reader.js'
import { parseCheck } from './schema-check.js'
import { parseCommunity, parseLargeCommunity, parsePrefix } from './values.js'
import type { AttributeOverrides, CheckConfig, DrainConfig, DynamicMedConfig, OnFailure, PrefixConfig } from './types.js'

const SERVICE_KEYS = [
  'name', 'prefixes', 'unique-prefixes', 'check', 'checks', 'combine', 'med', 'local-pref', 'prepend',
  'communities', 'large-communities', 'neighbors', 'on-failure', 'announce-on-start', 'hold-down', 'drain', 'dynamic-med',
] as const

export const DEFAULT_HOLD_DOWN_MS = 10_000
export const DEFAULT_DRAIN_PERIOD_MS = 30_000
/** RFC 8326 §4: receivers lower LOCAL_PREF to 0 for GRACEFUL_SHUTDOWN routes; we do the same toward iBGP peers. */
export const DEFAULT_DRAIN_LOCAL_PREF = 0
export const DEFAULT_DYNAMIC_MED_INTERVAL_MS = 10_000
export const MAX_PREPEND = 16
const MAX_U32 = 4294967295

/** A service before its neighbor names are resolved (schema.ts does that with the whole file in view). */
export interface ParsedService {
  readonly name: string
  readonly nameNode: YNode
  readonly prefixes: readonly PrefixConfig[]
  readonly prefixNodes: readonly Node[]
  readonly uniquePrefixes: readonly PrefixConfig[]
  readonly uniquePrefixNodes: readonly Node[]
  readonly checks: readonly CheckConfig[]
  readonly combine: 'all' | 'any'
  readonly attributes: AttributeOverrides
  readonly localPrefNode: YNode
  /** Names as written (address or description), with their nodes; null = every neighbor. */
  readonly neighborRefs: ReadonlyArray<{ ref: string; node: Node }> | null
  readonly onFailure: OnFailure
  readonly announceOnStart: boolean
  readonly holdDownMs: number
  readonly drain: DrainConfig
  readonly dynamicMed: DynamicMedConfig | null
}

export function parseService(r: Reader, node: YNode, path: string): ParsedService | null {
  const o = r.obj(node, path, SERVICE_KEYS)
  if (o === null) {
    if (isAbsent(node)) r.error(node, path, 'empty service (needs at least name and prefixes)')
    return null
  }
  const nameNode = o.need('name')
  const name = r.str(nameNode, o.at('name'))
  if (name !== null && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    r.error(nameNode, o.at('name'), `'${name}': use letters, digits, '-', '_', '.' (at most 64, starting with a letter or digit)`)
  }
  const prefixes = prefixList(o, 'prefixes')
  const unique = prefixList(o, 'unique-prefixes')
  if (prefixes.values.length === 0 && unique.values.length === 0 && !o.has('prefixes')) r.error(o.node, o.at('prefixes'), 'missing required key')
  const checks = parseChecks(o)
  const combine = o.oneOf('combine', ['all', 'any'] as const) ?? 'all'
  if (o.has('combine') && !o.has('checks')) r.warn(o.get('combine'), o.at('combine'), 'has no effect with a single check')
  let neighborRefs: Array<{ ref: string; node: Node }> | null = null
  const nl = r.list(o.get('neighbors'), o.at('neighbors'))
  if (nl !== null) {
    neighborRefs = []
    for (const it of nl) {
      const ref = r.str(it.node, it.path)
      if (ref !== null) neighborRefs.push({ ref, node: it.node })
    }
    if (nl.length === 0) r.error(o.get('neighbors'), o.at('neighbors'), 'an empty list would announce the service to nobody (omit the key for every neighbor)')
  }
  return {
    name: name ?? '',
    nameNode,
    prefixes: prefixes.values,
    prefixNodes: prefixes.nodes,
    uniquePrefixes: unique.values,
    uniquePrefixNodes: unique.nodes,
    checks,
    combine,
    attributes: parseAttributes(o),
    localPrefNode: o.get('local-pref'),
    neighborRefs,
    onFailure: parseOnFailure(o),
    announceOnStart: o.bool('announce-on-start') ?? false,
    holdDownMs: o.durationMs('hold-down', 0, 86_400_000) ?? DEFAULT_HOLD_DOWN_MS,
    drain: parseDrain(o),
    dynamicMed: parseDynamicMed(o),
  }
}

/** med, local-pref, prepend, communities, large-communities of a mapping (service or neighbor). */
export function parseAttributes(o: Obj): AttributeOverrides {
  const communities: number[] = []
  for (const it of o.r.list(o.get('communities'), o.at('communities')) ?? []) {
    const c = parseCommunity(o.r, it.node, it.path)
    if (c !== null) communities.push(c)
  }
  const largeCommunities: Array<[number, number, number]> = []
  for (const it of o.r.list(o.get('large-communities'), o.at('large-communities')) ?? []) {
    const c = parseLargeCommunity(o.r, it.node, it.path)
    if (c !== null) largeCommunities.push(c)
  }
  return {
    med: o.int('med', 0, MAX_U32),
    localPref: o.int('local-pref', 0, MAX_U32),
    prepend: o.int('prepend', 0, MAX_PREPEND),
    communities,
    largeCommunities,
  }
}

function prefixList(o: Obj, key: string): { values: PrefixConfig[]; nodes: Node[] } {
  const values: PrefixConfig[] = []
  const nodes: Node[] = []
  const seen = new Map<string, number>()
  for (const it of o.r.list(o.get(key), o.at(key)) ?? []) {
    const p = parsePrefix(o.r, it.node, it.path)
    if (p === null) continue
    const first = seen.get(p.prefix)
    if (first !== undefined) {
      o.r.error(it.node, it.path, `duplicate prefix ${p.prefix} (also at line ${first})`)
      continue
    }
    seen.set(p.prefix, o.r.pos(it.node).line)
    if (p.length === 0) o.r.warn(it.node, it.path, `${p.prefix} announces a default route`)
    values.push(p)
    nodes.push(it.node)
  }
  return { values, nodes }
}

function parseChecks(o: Obj): CheckConfig[] {
  const r = o.r
  if (o.has('check') && o.has('checks')) {
    r.error(o.get('checks'), o.at('checks'), "use either 'check' (one) or 'checks' (a list), not both")
    return []
  }
  const out: CheckConfig[] = []
  if (o.get('check') !== undefined) {
    const c = parseCheck(r, o.get('check'), o.at('check'), 0)
    if (c !== null) out.push(c)
    return out
  }
  const items = r.list(o.get('checks'), o.at('checks')) ?? []
  const names = new Set<string>()
  items.forEach((it, i) => {
    const c = parseCheck(r, it.node, it.path, i)
    if (c === null) return
    if (names.has(c.name)) r.error(it.node, `${it.path}.name`, `duplicate check name '${c.name}'`)
    names.add(c.name)
    out.push(c)
  })
  return out
}

/** `on-failure: withdraw` | `degrade` | `{ degrade: { med, prepend, local-pref } }`. */
function parseOnFailure(o: Obj): OnFailure {
  const r = o.r
  const n = o.get('on-failure')
  const path = o.at('on-failure')
  if (!o.has('on-failure')) return { action: 'withdraw' }
  const shape = `must be 'withdraw' or { degrade: { med, prepend, local-pref } }`
  if (isScalar(n)) {
    if (n.value === 'withdraw') return { action: 'withdraw' }
    r.error(n, path, `${shape}, got ${describe(n)}`)
    return { action: 'withdraw' }
  }
  const m = r.obj(n, path, ['degrade'])
  const d = m === null ? null : r.obj(m.get('degrade'), m.at('degrade'), ['med', 'prepend', 'local-pref'])
  if (m === null || d === null) {
    if (m !== null && !m.has('degrade')) r.error(m.node, path, shape)
    return { action: 'withdraw' }
  }
  const degrade = { action: 'degrade' as const, med: d.int('med', 0, MAX_U32), prepend: d.int('prepend', 0, MAX_PREPEND), localPref: d.int('local-pref', 0, MAX_U32) }
  if (degrade.med === null && degrade.prepend === null && degrade.localPref === null) {
    r.error(d.node, d.path, 'needs at least one of med, prepend, local-pref (otherwise a failed service looks healthy)')
  }
  return degrade
}

function parseDrain(o: Obj): DrainConfig {
  const d = o.r.obj(o.get('drain'), o.at('drain'), ['period', 'local-pref', 'prepend', 'communities'])
  if (d === null) return { periodMs: DEFAULT_DRAIN_PERIOD_MS, localPref: DEFAULT_DRAIN_LOCAL_PREF, prepend: null, communities: [] }
  const communities: number[] = []
  for (const it of o.r.list(d.get('communities'), d.at('communities')) ?? []) {
    const c = parseCommunity(o.r, it.node, it.path)
    if (c !== null) communities.push(c)
  }
  return {
    periodMs: d.durationMs('period', 0, 86_400_000) ?? DEFAULT_DRAIN_PERIOD_MS,
    localPref: d.int('local-pref', 0, MAX_U32) ?? DEFAULT_DRAIN_LOCAL_PREF,
    prepend: d.int('prepend', 0, MAX_PREPEND),
    communities,
  }
}

function parseDynamicMed(o: Obj): DynamicMedConfig | null {
  const d = o.r.obj(o.get('dynamic-med'), o.at('dynamic-med'), ['command', 'file', 'interval'])
  if (d === null) return null
  const command = d.str('command')
  const file = d.str('file')
  if ((d.has('command') ? 1 : 0) + (d.has('file') ? 1 : 0) !== 1) d.r.error(d.node, d.path, 'needs exactly one of command, file')
  return { command, file, intervalMs: d.durationMs('interval', 100, 86_400_000) ?? DEFAULT_DYNAMIC_MED_INTERVAL_MS }
}

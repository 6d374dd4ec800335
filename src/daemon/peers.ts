/**
 * neighbors[] (docs/config.md) → Speaker PeerConfig, and the export policy chain of each neighbor:
 *
 *   Announcer.exportHook(n)  (our routes only, service subset, overrides)
 *     → top-level `policy` rules, then neighbors[].export rules: one ordered list (ruleList), where
 *       `accept`/`reject` end it and rules that only change attributes go on to the next rule
 *
 * Rules are compiled with src/policy compileRules; a compile error becomes a ConfigError at the rule's
 * FILE:LINE:COL, so a bad policy is rejected like any other config error (at start and on reload).
 */
import { chain, type PolicyHook, type SyncPolicyHook } from '../policy/hook.js'
import { compileRules } from '../policy/compile.js'
import { PolicyError } from '../policy/errors.js'
import type { PolicyTerm } from '../policy/rules.js'
import type { PeerConfig } from '../speaker/options.js'
import type { Announcer } from './announcer.js'
import { ConfigError, type ConfigIssue } from './config/errors.js'
import type { DaemonConfig, NeighborConfig, PolicyRule } from './config/types.js'

/** The session part of a neighbor: a change to any of these restarts the session. */
export function sessionKey(n: NeighborConfig): string {
  return JSON.stringify([
    n.address, n.remoteAs, n.port, n.localAddress, n.holdTimeSec, n.keepaliveSec, n.connectRetrySec, n.passive,
    n.multihopTtl, n.password, n.ttlSecurityHops, n.families,
  ])
}

/** The part applied without a reset (Speaker.updatePeer soft fields + export). */
export function softKey(n: NeighborConfig): string {
  return JSON.stringify([n.nextHopSelf, n.nextHopIpv4, n.nextHopIpv6, n.description, n.overrides, n.exportPolicy.map((r) => [r.match, r.action])])
}

export function peerConfig(n: NeighborConfig, exportPolicy: PolicyHook): PeerConfig {
  const p: PeerConfig = {
    address: n.address,
    remoteAs: n.remoteAs,
    port: n.port,
    holdTime: n.holdTimeSec,
    connectRetry: n.connectRetrySec,
    passive: n.passive,
    families: [...n.families],
    nextHopSelf: n.nextHopSelf,
    exportPolicy,
  }
  if (n.localAddress !== null) p.localAddress = n.localAddress
  if (n.keepaliveSec !== null) p.keepalive = n.keepaliveSec
  if (n.password !== null) p.password = n.password
  if (n.multihopTtl !== null) p.ttl = n.multihopTtl
  if (n.ttlSecurityHops !== null) p.ttlSecurity = n.ttlSecurityHops === 1 ? true : { hops: n.ttlSecurityHops }
  if (n.nextHopIpv4 !== null) p.nextHop = n.nextHopIpv4
  if (n.nextHopIpv6 !== null) p.nextHop6 = n.nextHopIpv6
  if (n.description !== null) p.description = n.description
  return p
}

/** The soft fields for Speaker.updatePeer. */
export function softPeerChanges(n: NeighborConfig, exportPolicy: PolicyHook): Partial<PeerConfig> {
  return { exportPolicy, nextHop: n.nextHopIpv4 ?? undefined, nextHop6: n.nextHopIpv6 ?? undefined, nextHopSelf: n.nextHopSelf, description: n.description ?? undefined }
}

/** One config rule compiled: a matcher, the changes to apply, and what follows a match. */
interface CompiledRule {
  service: string | null
  /** Returns the route (as a view) when every `match` key matches, null otherwise; changes nothing. */
  matches: SyncPolicyHook | null
  /** Applies the action's changes (MED, communities...), or null when the action changes nothing. */
  changes: SyncPolicyHook | null
  then: 'accept' | 'reject' | 'next'
}

const THEN = new Set(['accept', 'reject', 'next'])

/**
 * A rule's `then`: `action: accept|reject` alone, or `action.then`; an action of changes only continues with
 * the next rule ('next'), so rules that adjust attributes stack, as in a route-map with `continue`.
 */
function ruleThen(action: unknown): { then: 'accept' | 'reject' | 'next'; changes: Record<string, unknown> | null } {
  if (typeof action === 'string' && THEN.has(action)) return { then: action as 'accept' | 'reject' | 'next', changes: null }
  if (typeof action === 'object' && action !== null && !Array.isArray(action)) {
    const { then, ...rest } = action as Record<string, unknown>
    const t = then === undefined ? 'next' : then
    if (typeof t !== 'string' || !THEN.has(t)) throw new PolicyError(`action.then must be accept, reject or next, got ${JSON.stringify(then)}`, { key: 'action.then' })
    return { then: t as 'accept' | 'reject' | 'next', changes: Object.keys(rest).length > 0 ? rest : null }
  }
  throw new PolicyError('action must be accept, reject, next or a mapping of changes', { key: 'action' })
}

function compileRule(rule: PolicyRule, keyPath: string, issues: ConfigIssue[]): CompiledRule | null {
  const match = typeof rule.match === 'object' && rule.match !== null && !Array.isArray(rule.match) ? { ...(rule.match as Record<string, unknown>) } : rule.match
  let service: string | null = null
  if (typeof match === 'object' && match !== null && 'service' in match) {
    const m = match as Record<string, unknown>
    service = String(m.service)
    delete m.service
  }
  try {
    const { then, changes } = ruleThen(rule.action)
    const hasMatch = typeof match === 'object' && match !== null && Object.keys(match).length > 0
    const matches = hasMatch || (match !== undefined && match !== null && typeof match !== 'object')
      ? compileRules([{ match, action: 'accept' } as PolicyTerm], 'reject')
      : null
    const apply = changes === null ? null : compileRules([{ action: { ...changes, then: 'accept' } } as PolicyTerm], 'accept')
    return { service, matches, changes: apply, then }
  } catch (e) {
    const msg = e instanceof PolicyError ? e.message : (e as Error).message
    issues.push({ severity: 'error', file: rule.pos.file, line: rule.pos.line, col: rule.pos.col, keyPath, message: msg })
    return null
  }
}

/**
 * The rules as one ordered list, like a route-map: the first rule whose match holds and whose action is
 * `accept` or `reject` ends the evaluation (with the changes made so far); rules with changes only apply them
 * and go on; after the last rule the route is exported. `service: NAME` matches that service's prefixes.
 */
function ruleList(rules: readonly CompiledRule[], serviceOf: (prefix: string) => string | undefined): SyncPolicyHook {
  return (route, ctx) => {
    let r = route
    for (const rule of rules) {
      if (rule.service !== null && serviceOf(r.prefix) !== rule.service) continue
      if (rule.matches !== null) {
        const m = rule.matches(r, ctx)
        if (m === null) continue
        r = m
      }
      if (rule.changes !== null) r = rule.changes(r, ctx) ?? r
      if (rule.then === 'accept') return r
      if (rule.then === 'reject') return null
    }
    return r
  }
}

/** Compiled hooks per neighbor address; throws ConfigError listing every rule that does not compile. */
export function compileExportPolicies(cfg: DaemonConfig, announcer: Announcer, serviceOf: (prefix: string) => string | undefined): Map<string, PolicyHook> {
  const issues: ConfigIssue[] = []
  const global = cfg.policy.map((r, i) => compileRule(r, `policy[${i}]`, issues))
  const out = new Map<string, PolicyHook>()
  cfg.neighbors.forEach((n, ni) => {
    const own = n.exportPolicy.map((r, i) => compileRule(r, `neighbors[${ni}].export[${i}]`, issues))
    const rules = [...global, ...own].filter((r): r is CompiledRule => r !== null)
    const first = announcer.exportHook(n)
    out.set(n.address, rules.length === 0 ? first : chain(first, ruleList(rules, serviceOf)))
  })
  if (issues.length > 0) throw new ConfigError(issues)
  return out
}

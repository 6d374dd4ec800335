/**
 * neighbors[] (docs/config.md) → Speaker PeerConfig, and the export policy chain of each neighbor:
 *
 *   Announcer.exportHook(n)  (our routes only, service subset, overrides)
 *     → top-level `policy` rules (a rule may match `service: NAME`)
 *     → neighbors[].export rules
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

function compileRule(rule: PolicyRule, keyPath: string, issues: ConfigIssue[]): { service: string | null; hook: SyncPolicyHook } | null {
  const match = typeof rule.match === 'object' && rule.match !== null && !Array.isArray(rule.match) ? { ...(rule.match as Record<string, unknown>) } : rule.match
  let service: string | null = null
  if (typeof match === 'object' && match !== null && 'service' in match) {
    const m = match as Record<string, unknown>
    service = String(m.service)
    delete m.service
  }
  try {
    const term = { match: match ?? {}, action: rule.action } as PolicyTerm
    return { service, hook: compileRules([term], 'accept') }
  } catch (e) {
    const msg = e instanceof PolicyError ? e.message : (e as Error).message
    issues.push({ severity: 'error', file: rule.pos.file, line: rule.pos.line, col: rule.pos.col, keyPath, message: msg })
    return null
  }
}

/** Compiled hooks per neighbor address; throws ConfigError listing every rule that does not compile. */
export function compileExportPolicies(cfg: DaemonConfig, announcer: Announcer, serviceOf: (prefix: string) => string | undefined): Map<string, PolicyHook> {
  const issues: ConfigIssue[] = []
  const global = cfg.policy.map((r, i) => compileRule(r, `policy[${i}]`, issues))
  const out = new Map<string, PolicyHook>()
  cfg.neighbors.forEach((n, ni) => {
    const own = n.exportPolicy.map((r, i) => compileRule(r, `neighbors[${ni}].export[${i}]`, issues))
    const hooks: SyncPolicyHook[] = [announcer.exportHook(n)]
    for (const r of [...global, ...own]) {
      if (r === null) continue
      const svc = r.service
      hooks.push(svc === null ? r.hook : (route, ctx) => (serviceOf(route.prefix) === svc ? r.hook(route, ctx) : route))
    }
    out.set(n.address, hooks.length === 1 ? hooks[0]! : chain(...hooks))
  })
  if (issues.length > 0) throw new ConfigError(issues)
  return out
}

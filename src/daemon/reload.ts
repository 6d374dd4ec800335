/**
 * Config reload (SIGHUP, `tsbgp reload`): what changed between the running and the new config, and
 * what each change costs. The rule is to disturb as little as possible:
 *
 *   neighbor added / removed               → session opened / closed (Cease / Peer De-configured, RFC 4486)
 *   neighbor session parameters changed    → only that session restarts (Cease / Other Configuration Change)
 *   neighbor next hop, overrides, export   → Speaker.updatePeer: re-export, only differences are sent
 *   top-level policy, instance-id          → every neighbor re-exported, no reset
 *   service checks / combine / hold-down / → only that service's monitor restarts; its routes stay as they
 *     drain period / dynamic-med              are until the new monitor decides (no flap on an interval edit)
 *   service attributes, prefixes, subset   → re-announce (the monitor keeps its state)
 *   router-id, local-as, listen            → refused: they need a restart (every session would reset)
 *
 * An invalid new config (ConfigError from the loader or the policy compiler) is rejected by the caller
 * before anything here runs; the running config stays.
 */
import type { DaemonConfig, NeighborConfig, ServiceConfig } from './config/types.js'
import { sessionKey, softKey } from './peers.js'

export interface ConfigDiff {
  readonly neighborsAdded: readonly NeighborConfig[]
  readonly neighborsRemoved: readonly NeighborConfig[]
  /** Session parameters changed: the session restarts. */
  readonly neighborsReset: readonly NeighborConfig[]
  /** Applied to the running session. */
  readonly neighborsSoft: readonly NeighborConfig[]
  readonly servicesAdded: readonly ServiceConfig[]
  readonly servicesRemoved: readonly ServiceConfig[]
  /** The monitor restarts. */
  readonly servicesRestarted: readonly ServiceConfig[]
  /** Only announcements change. */
  readonly servicesReannounced: readonly ServiceConfig[]
  /** Every neighbor's export must be recomputed (policy, instance-id, service subsets or prefixes). */
  readonly exportChanged: boolean
  /** Reasons the new config cannot be applied without a restart; non-empty = refuse. */
  readonly needsRestart: readonly string[]
  /** One line per change, for logs and the control API. */
  readonly changes: readonly string[]
  /** Changes that are accepted but only take effect at the next start. */
  readonly warnings: readonly string[]
}

const j = (x: unknown): string => JSON.stringify(x)

/** Keys whose change needs a new monitor (the state machine or the check runner is built from them). */
function monitorKey(s: ServiceConfig): string {
  return j([s.checks, s.combine, s.holdDownMs, s.drain.periodMs, s.dynamicMed])
}

function announceKey(s: ServiceConfig): string {
  return j([s.prefixes, s.uniquePrefixes, s.attributes, s.neighbors, s.onFailure, s.drain, s.announceOnStart])
}

export function diffConfig(old: DaemonConfig, neu: DaemonConfig): ConfigDiff {
  const changes: string[] = []
  const warnings: string[] = []
  const needsRestart: string[] = []
  if (old.routerId !== neu.routerId) needsRestart.push(`router-id ${old.routerId} -> ${neu.routerId}`)
  if (old.localAs !== neu.localAs) needsRestart.push(`local-as ${old.localAs} -> ${neu.localAs}`)
  if (j(old.listen) !== j(neu.listen)) needsRestart.push('listen changed')
  if (j(old.control) !== j(neu.control)) warnings.push('control socket settings change at the next start')
  if (j(old.metrics) !== j(neu.metrics)) warnings.push('metrics settings change at the next start')

  const oldN = new Map(old.neighbors.map((n) => [n.address, n]))
  const newN = new Map(neu.neighbors.map((n) => [n.address, n]))
  const neighborsAdded: NeighborConfig[] = []
  const neighborsRemoved: NeighborConfig[] = []
  const neighborsReset: NeighborConfig[] = []
  const neighborsSoft: NeighborConfig[] = []
  for (const [a, n] of newN) {
    const o = oldN.get(a)
    if (o === undefined) {
      neighborsAdded.push(n)
      changes.push(`neighbor ${a} added`)
    } else if (sessionKey(o) !== sessionKey(n)) {
      neighborsReset.push(n)
      changes.push(`neighbor ${a}: session parameters changed (session restarts)`)
    } else if (softKey(o) !== softKey(n)) {
      neighborsSoft.push(n)
      changes.push(`neighbor ${a}: export settings changed (no reset)`)
    }
  }
  for (const [a, o] of oldN) {
    if (!newN.has(a)) {
      neighborsRemoved.push(o)
      changes.push(`neighbor ${a} removed`)
    }
  }

  const oldS = new Map(old.services.map((s) => [s.name, s]))
  const newS = new Map(neu.services.map((s) => [s.name, s]))
  const servicesAdded: ServiceConfig[] = []
  const servicesRemoved: ServiceConfig[] = []
  const servicesRestarted: ServiceConfig[] = []
  const servicesReannounced: ServiceConfig[] = []
  for (const [name, s] of newS) {
    const o = oldS.get(name)
    if (o === undefined) {
      servicesAdded.push(s)
      changes.push(`service ${name} added`)
      continue
    }
    const restart = monitorKey(o) !== monitorKey(s)
    const reannounce = announceKey(o) !== announceKey(s)
    if (restart) {
      servicesRestarted.push(s)
      changes.push(`service ${name}: checks changed (monitor restarts)`)
    }
    if (reannounce) {
      servicesReannounced.push(s)
      const a = o.attributes
      const b = s.attributes
      if (a.med !== b.med) changes.push(`service ${name}: med ${a.med ?? '-'} -> ${b.med ?? '-'}`)
      else changes.push(`service ${name}: announcement settings changed`)
    }
  }
  for (const [name, o] of oldS) {
    if (!newS.has(name)) {
      servicesRemoved.push(o)
      changes.push(`service ${name} removed`)
    }
  }
  const globalExport = j(old.policy.map((r) => [r.match, r.action])) !== j(neu.policy.map((r) => [r.match, r.action])) || old.instanceId !== neu.instanceId
  if (j(old.policy.map((r) => [r.match, r.action])) !== j(neu.policy.map((r) => [r.match, r.action]))) changes.push('policy changed')
  if (old.instanceId !== neu.instanceId) changes.push(`instance-id ${old.instanceId ?? '-'} -> ${neu.instanceId ?? '-'}`)
  const exportChanged = globalExport || servicesAdded.length + servicesRemoved.length + servicesReannounced.length > 0
  return {
    neighborsAdded, neighborsRemoved, neighborsReset, neighborsSoft,
    servicesAdded, servicesRemoved, servicesRestarted, servicesReannounced,
    exportChanged, needsRestart, changes, warnings,
  }
}

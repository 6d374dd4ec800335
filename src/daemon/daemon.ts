/**
 * The daemon (issue 5): one Speaker, one ServiceMonitor per service, the Announcer between them, the
 * control socket and the metrics endpoint; reload and graceful shutdown (RFC 8326) on top.
 *
 *   ServiceMonitor ─change─► Announcer ─► Speaker.announce/withdraw ─► per-peer export hook ─► UPDATE
 *        ▲ checks                 ▲ unique prefixes (start .. end of shutdown)
 *   drain()/undrain() = maintenance source 'admin'; shutdown() = source 'shutdown' (shutdown.ts)
 *
 * Usable in-process (`tsbgp demo`, tests): new Daemon(config, { logger }) → start() → drain/undrain/
 * reload → shutdown(reason). Typed events: 'serviceChange', 'peerStateChange'.
 */
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { pino, type Logger } from 'pino'
import { Speaker } from '../speaker/speaker.js'
import type { PeerStateChangeEvent } from '../speaker/events.js'
import type { PolicyHook } from '../policy/hook.js'
import { Announcer, instanceCommunity } from './announcer.js'
import { formatIssue } from './config/errors.js'
import { loadConfig } from './config/load.js'
import type { DaemonConfig, ServiceConfig } from './config/types.js'
import { ControlError, type ControlAnnounceAttributes, type RoutesQuery } from './control/protocol.js'
import type {
  AnnounceResult, ControlHandler, DrainResult, NeighborRow, ReloadResult, RouteRow, ServiceRow, StatusInfo, WithdrawResult,
} from './control/handler.js'
import { ControlServer } from './control/server.js'
import { createDaemonMetrics, forgetNeighbor, forgetService, recordPrefixCounts, recordServiceChange, recordSessionState, recordVerdict, type DaemonMetrics } from './metrics/daemon-metrics.js'
import { MetricsServer } from './metrics/server.js'
import { routeCounts, routeRows, serviceRow } from './control-rows.js'
import { DynamicMed } from './dynamic-med.js'
import { compileExportPolicies, peerConfig, softPeerChanges } from './peers.js'
import { diffConfig } from './reload.js'
import { ServiceMonitor } from './service-monitor.js'
import { serviceMachineConfig, type ServiceChange } from './service-state.js'
import { gracefulShutdown, type ShutdownControl } from './shutdown.js'

/** The loader's effective, typed config (config/types.ts). */
export type EffectiveConfig = DaemonConfig

export interface DaemonOptions {
  logger?: Logger
  /** The file `reload()` without an argument (SIGHUP, control `reload`) reads. */
  configPath?: string
  /** Serve the control socket (default true; in-process users may not want /run/tsbgp). */
  control?: boolean
  /** Serve metrics when configured (default true). */
  metrics?: boolean
}

export interface DaemonEvents {
  serviceChange: [ServiceChange]
  peerStateChange: [PeerStateChangeEvent]
  reload: [ReloadResult]
}

/** A socket the daemon needs could not be bound (EX_UNAVAILABLE, 69). */
export class DaemonBindError extends Error {
  override readonly name = 'DaemonBindError'
}

interface MonitorEntry {
  readonly cfg: ServiceConfig
  readonly monitor: ServiceMonitor
  readonly dynMed: DynamicMed | null
  /** Restarted by reload: keep the previous announcement until the new monitor leaves 'starting'. */
  carry: boolean
  reason: string | null
  lastDetail: Map<string, { detail: string; durationMs: number }>
}

function version(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version
  } catch {
    return 'unknown'
  }
}

export class Daemon extends EventEmitter<DaemonEvents> implements ControlHandler {
  readonly log: Logger
  readonly speaker: Speaker
  readonly metrics: DaemonMetrics
  private cfg: DaemonConfig
  private readonly announcer: Announcer
  private readonly monitors = new Map<string, MonitorEntry>()
  private hooks = new Map<string, PolicyHook>()
  private control: ControlServer | null = null
  private metricsServer: MetricsServer | null = null
  private readonly controlRoutes = new Map<string, string>()
  private readonly startedAt = Date.now()
  private configLoadedAt = Date.now()
  private started = false
  private shutdownCtl: ShutdownControl | null = null

  constructor(
    config: DaemonConfig,
    private readonly opts: DaemonOptions = {},
  ) {
    super()
    this.cfg = config
    this.log = opts.logger ?? pino({ level: config.log.level })
    this.metrics = createDaemonMetrics()
    this.speaker = new Speaker({
      routerId: config.routerId,
      localAs: config.localAs,
      listen: config.listen === null ? false : { address: config.listen.address, port: config.listen.port },
      logger: this.log.child({ component: 'speaker' }),
    })
    this.announcer = new Announcer(this.speaker, config, this.log.child({ component: 'announcer' }))
    // Policy errors are config errors: thrown here, before anything binds.
    this.hooks = compileExportPolicies(config, this.announcer, (p) => this.announcer.serviceOf(p))
  }

  get config(): DaemonConfig {
    return this.cfg
  }

  /** Where the BGP listener is bound, when one is configured. */
  get listenAddress(): { address: string; port: number } | null {
    return this.speaker.listenAddress
  }

  async start(): Promise<void> {
    if (this.started) return
    this.started = true
    this.speaker.on('peerStateChange', (e) => {
      recordSessionState(this.metrics, e.peer, e.to)
      this.emit('peerStateChange', e)
    })
    this.speaker.on('error', (e) => this.log.warn({ peer: e.peer, err: e.error.message }, 'speaker error'))
    for (const n of this.cfg.neighbors) await this.speaker.addPeer(peerConfig(n, this.hooks.get(n.address)!))
    try {
      await this.speaker.start()
    } catch (e) {
      await this.speaker.close()
      throw bindError(e, `BGP listener ${this.cfg.listen?.address}:${this.cfg.listen?.port}`)
    }
    this.announcer.announceUnique()
    for (const s of this.cfg.services) this.startMonitor(s, false)
    if (this.opts.control !== false) {
      this.control = new ControlServer(this, { path: this.cfg.control.socket, mode: this.cfg.control.mode, onError: (e) => this.log.warn({ err: e.message }, 'control') })
      try {
        await this.control.listen()
      } catch (e) {
        this.control = null
        await this.stopAll()
        throw bindError(e, `control socket ${this.cfg.control.socket}`)
      }
    }
    const ml = this.cfg.metrics.listen
    if (ml !== null && this.opts.metrics !== false) {
      this.metrics.registry.addCollector(() => recordPrefixCounts(this.metrics, this.speaker.peers()))
      this.metricsServer = new MetricsServer(this.metrics.registry, ml, (e) => this.log.warn({ err: e.message }, 'metrics'))
      try {
        await this.metricsServer.listen()
      } catch (e) {
        this.metricsServer = null
        await this.stopAll()
        throw bindError(e, `metrics endpoint ${ml.address}:${ml.port}`)
      }
    }
    this.log.info({ event: 'started', routerId: this.cfg.routerId, localAs: this.cfg.localAs, neighbors: this.cfg.neighbors.length, services: this.cfg.services.length }, 'tsbgp started')
  }

  private startMonitor(s: ServiceConfig, carry: boolean): void {
    const monitor = new ServiceMonitor(serviceMachineConfig(s, instanceCommunity(this.cfg)), s.checks)
    const entry: MonitorEntry = { cfg: s, monitor, dynMed: null, carry, reason: null, lastDetail: new Map() }
    monitor.on('change', (c) => this.onServiceChange(entry, c))
    monitor.on('verdict', (v) => {
      entry.lastDetail.set(v.name, { detail: v.detail, durationMs: v.durationMs })
      recordVerdict(this.metrics, s.name, v)
    })
    if (s.dynamicMed !== null) {
      ;(entry as { dynMed: DynamicMed | null }).dynMed = new DynamicMed(s.dynamicMed, (med, detail) => {
        this.log.info({ service: s.name, med, detail }, 'dynamic MED')
        monitor.setMed(med)
      })
    }
    this.monitors.set(s.name, entry)
    monitor.start()
    entry.dynMed?.start()
  }

  private onServiceChange(entry: MonitorEntry, c: ServiceChange): void {
    if (this.monitors.get(entry.cfg.name) !== entry) return
    entry.reason = c.reason.text
    if (entry.carry && c.to === 'starting') return
    entry.carry = false
    this.announcer.apply(c.service, c.to, entry.monitor.state?.dynamicMed ?? null)
    const announcement = this.announcer.announcementFor(c.service) ?? c.announcement
    const ev: ServiceChange = { ...c, announcement }
    recordServiceChange(this.metrics, ev)
    this.log.info({ event: 'service', service: c.service, from: c.from, to: c.to, announce: announcement.announce, reason: c.reason.text }, `service ${c.service}: ${c.from ?? '-'} -> ${c.to} (${c.reason.text})`)
    this.emit('serviceChange', ev)
  }

  private targets(service: string | null | undefined): MonitorEntry[] {
    if (service === null || service === undefined) return [...this.monitors.values()]
    const e = this.monitors.get(service)
    if (e === undefined) throw new ControlError('not-found', `no service ${service}`)
    return [e]
  }

  drain(service?: string | null): DrainResult {
    const list = this.targets(service)
    for (const e of list) e.monitor.maintenance(true, 'admin')
    return { services: list.map((e) => ({ name: e.cfg.name, state: e.monitor.state?.state ?? 'starting' })) }
  }

  undrain(service?: string | null): DrainResult {
    const list = this.targets(service)
    for (const e of list) e.monitor.maintenance(false, 'admin')
    return { services: list.map((e) => ({ name: e.cfg.name, state: e.monitor.state?.state ?? 'starting' })) }
  }

  /**
   * Apply a new config (reload.ts). Without an argument the config file is re-read. A config that does not
   * load, does not compile or needs a restart is rejected (ControlError 'failed') and the running one kept.
   */
  async reload(newConfig?: DaemonConfig): Promise<ReloadResult> {
    let next: DaemonConfig
    const warnings: string[] = []
    try {
      if (newConfig !== undefined) next = newConfig
      else {
        const path = this.opts.configPath ?? this.cfg.file
        const loaded = await loadConfig(path)
        next = loaded.config
        warnings.push(...loaded.warnings.map(formatIssue))
      }
    } catch (e) {
      this.log.error({ event: 'reload-rejected', err: (e as Error).message }, `reload rejected, running config kept:\n${(e as Error).message}`)
      throw new ControlError('failed', (e as Error).message)
    }
    const diff = diffConfig(this.cfg, next)
    if (diff.needsRestart.length > 0) {
      const msg = `reload rejected (needs a restart): ${diff.needsRestart.join('; ')}`
      this.log.error({ event: 'reload-rejected' }, msg)
      throw new ControlError('failed', msg)
    }
    // Compile against a scratch announcer view first: a bad policy rejects the reload before any change.
    const scratch = new Announcer({ announce() {}, withdraw() {} }, next)
    try {
      compileExportPolicies(next, scratch, () => undefined)
    } catch (e) {
      this.log.error({ event: 'reload-rejected', err: (e as Error).message }, `reload rejected, running config kept:\n${(e as Error).message}`)
      throw new ControlError('failed', (e as Error).message)
    }
    this.cfg = next
    this.configLoadedAt = Date.now()
    for (const n of diff.neighborsRemoved) {
      await this.speaker.removePeer(n.address)
      forgetNeighbor(this.metrics, n.address)
    }
    for (const s of [...diff.servicesRemoved, ...diff.servicesRestarted]) {
      const e = this.monitors.get(s.name)
      if (e === undefined) continue
      this.monitors.delete(s.name)
      await e.monitor.stop()
      await e.dynMed?.stop()
      if (diff.servicesRemoved.includes(s)) forgetService(this.metrics, s.name)
    }
    this.announcer.setConfig(next)
    for (const s of diff.servicesRestarted) this.startMonitor(s, true)
    for (const s of diff.servicesAdded) this.startMonitor(s, false)
    for (const s of next.services) {
      const e = this.monitors.get(s.name)
      if (e === undefined) continue
      ;(e as { cfg: ServiceConfig }).cfg = s
      const st = e.monitor.state
      if (st !== null && !e.carry) this.announcer.apply(s.name, st.state, st.dynamicMed)
    }
    this.hooks = compileExportPolicies(next, this.announcer, (p) => this.announcer.serviceOf(p))
    const reset = new Set(diff.neighborsReset.map((n) => n.address))
    const soft = new Set(diff.neighborsSoft.map((n) => n.address))
    for (const n of diff.neighborsReset) {
      await this.speaker.removePeer(n.address)
      await this.speaker.addPeer(peerConfig(n, this.hooks.get(n.address)!))
    }
    for (const n of diff.neighborsAdded) await this.speaker.addPeer(peerConfig(n, this.hooks.get(n.address)!))
    for (const n of next.neighbors) {
      if (reset.has(n.address) || diff.neighborsAdded.includes(n)) continue
      if (soft.has(n.address) || diff.exportChanged) await this.speaker.updatePeer(n.address, softPeerChanges(n, this.hooks.get(n.address)!))
    }
    const result: ReloadResult = { changes: [...diff.changes], warnings: [...diff.warnings, ...warnings] }
    this.log.info({ event: 'reloaded', changes: result.changes }, result.changes.length === 0 ? 'reload: nothing changed' : `reload: ${result.changes.join('; ')}`)
    this.emit('reload', result)
    return result
  }

  /**
   * RFC 8326 graceful shutdown (shutdown.ts). A second call while one runs skips the drain wait (the second
   * SIGTERM/SIGINT); every call resolves when the sessions are closed.
   */
  shutdown(reason: string): Promise<void> {
    if (this.shutdownCtl !== null) {
      this.shutdownCtl.skip()
      return this.shutdownCtl.done
    }
    this.shutdownCtl = gracefulShutdown({
      log: this.log,
      // A service with only unique-prefixes has nothing to drain (those stay announced until withdrawAll),
      // so its drain period (default 30 s) must neither lengthen nor prolong the wait.
      startDrain: () => {
        let longest = 0
        for (const e of this.monitors.values()) {
          const announced = e.monitor.state?.announcement.announce === true || this.announcer.announcementFor(e.cfg.name)?.announce === true
          if (announced && e.cfg.prefixes.length > 0) longest = Math.max(longest, e.cfg.drain.periodMs)
          e.monitor.maintenance(true, 'shutdown')
        }
        return longest
      },
      anyAnnounced: () => [...this.monitors.values()].some((e) => e.cfg.prefixes.length > 0 && this.announcer.announcementFor(e.cfg.name)?.announce === true),
      withdrawAll: async () => {
        await this.stopMonitors()
        this.announcer.withdrawAll()
        const cr = [...this.controlRoutes.keys()]
        if (cr.length > 0) this.speaker.withdraw(cr)
        this.controlRoutes.clear()
      },
      flushed: (ms) => this.flushed(ms),
      closeSessions: async (message) => {
        await this.speaker.close(message)
        await this.closeServers()
      },
    }, reason)
    return this.shutdownCtl.done
  }

  /** Until every Established peer's Adj-RIB-Out is empty (the withdrawals are written), at most `ms`. */
  private async flushed(ms: number): Promise<void> {
    const end = performance.now() + ms
    for (;;) {
      await new Promise((r) => setImmediate(r))
      const busy = this.speaker.peers().some((p) => p.state === 'Established' && [...this.speaker.adjRibOut(p.address)].length > 0)
      if (!busy || performance.now() > end) break
      await new Promise((r) => setTimeout(r, 5))
    }
    // One more turn: the flush that emptied the table writes in the same turn, the socket after it.
    await new Promise((r) => setTimeout(r, 20))
  }

  private async stopMonitors(): Promise<void> {
    const list = [...this.monitors.values()]
    await Promise.all(list.map(async (e) => {
      await e.monitor.stop()
      await e.dynMed?.stop()
    }))
  }

  private async closeServers(): Promise<void> {
    await this.control?.close()
    this.control = null
    await this.metricsServer?.close()
    this.metricsServer = null
  }

  private async stopAll(): Promise<void> {
    await this.stopMonitors()
    this.monitors.clear()
    await this.speaker.close('tsbgp start failed')
    await this.closeServers()
  }

  // ---- ControlHandler ----

  status(): StatusInfo {
    const peers = this.speaker.peers()
    const routes = routeCounts(peers, [...this.announcer.announcedPrefixes(), ...this.controlRoutes.keys()])
    const svcs = [...this.monitors.values()]
    return {
      version: version(),
      pid: process.pid,
      startedAt: this.startedAt,
      routerId: this.cfg.routerId,
      localAs: this.cfg.localAs,
      configFile: this.opts.configPath ?? this.cfg.file,
      configLoadedAt: this.configLoadedAt,
      neighbors: { total: peers.length, established: peers.filter((p) => p.state === 'Established').length },
      services: {
        total: svcs.length,
        up: svcs.filter((e) => e.monitor.state?.state === 'up').length,
        announced: svcs.filter((e) => this.announcer.announcementFor(e.cfg.name)?.announce === true).length,
      },
      routes,
      instance: {
        id: this.cfg.instanceId,
        largeCommunity: this.cfg.instanceId === null ? null : `${this.cfg.localAs}:${this.cfg.instanceId}:0`,
        uniquePrefixes: this.cfg.services.flatMap((svc) => svc.uniquePrefixes.map((p) => p.prefix)),
      },
    }
  }

  neighbors(): NeighborRow[] {
    return this.speaker.peers() as unknown as NeighborRow[]
  }

  routes(q: RoutesQuery, signal: AbortSignal): Iterable<RouteRow> {
    return routeRows(this.speaker, q, signal)
  }

  services(): ServiceRow[] {
    return [...this.monitors.values()].map((e) => serviceRow(e.cfg, e.monitor.state, this.announcer.announcementFor(e.cfg.name), e.lastDetail, e.reason, this.startedAt))
  }

  announce(prefix: string, attributes: ControlAnnounceAttributes): AnnounceResult {
    const key = JSON.stringify(attributes)
    const family = prefix.includes(':') ? 'ipv6' : 'ipv4'
    if (this.announcer.serviceOf(prefix) !== undefined) throw new ControlError('invalid', `${prefix} belongs to a service`)
    const changed = this.controlRoutes.get(prefix) !== key
    try {
      if (changed) this.speaker.announce(prefix, family === 'ipv6' && attributes.nextHop !== undefined ? { ...attributes, nextHop: undefined, nextHop6: attributes.nextHop } : attributes)
    } catch (e) {
      throw new ControlError('invalid', (e as Error).message)
    }
    this.controlRoutes.set(prefix, key)
    return { prefix, family, changed }
  }

  withdraw(prefix: string): WithdrawResult {
    if (!this.controlRoutes.has(prefix)) return { prefix, changed: false }
    this.controlRoutes.delete(prefix)
    this.speaker.withdraw(prefix)
    return { prefix, changed: true }
  }
}

function bindError(e: unknown, what: string): DaemonBindError {
  const err = e as NodeJS.ErrnoException
  return new DaemonBindError(`cannot bind ${what}: ${err.code ?? ''} ${err.message}`.replace(/\s+/g, ' '))
}

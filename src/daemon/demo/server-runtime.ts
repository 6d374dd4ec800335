/**
 * The seam between the demo and the daemon runtime: one anycast server, driven through the interface below
 * (start, drain, undrain, shutdown, 'serviceChange'), which is the surface of src/daemon/daemon.ts's Daemon.
 *
 * Two implementations:
 * - 'daemon': the real Daemon (control socket and metrics off). Its shutdown drains first (RFC 8326) and
 *   then ends the sessions with Cease / Administrative Shutdown and an RFC 9003 message.
 * - 'speaker': a Speaker plus one ServiceMonitor per service, wired as the daemon wires them (monitor
 *   'change' → announce/withdraw with the change's attributes; per-instance prefixes announced while
 *   running, whatever the checks say). Its shutdown closes the sessions at once.
 *
 * DEFAULT_RUNTIME picks the one `tsbgp demo` uses: the Daemon. The Speaker wiring stays as the fallback the
 * seam was built with (before the Daemon landed) and as a cross-check: test/cli/demo.test.ts runs the demo
 * on both and expects the same story.
 */
import { EventEmitter } from 'node:events'
import type { Logger } from 'pino'
import { Speaker } from '../../speaker/speaker.js'
import type { AnnounceAttributes } from '../../speaker/route-info.js'
import type { DaemonConfig, ServiceConfig } from '../config/types.js'
import { instanceCommunity } from '../announcer.js'
import { Daemon } from '../daemon.js'
import { ServiceMonitor } from '../service-monitor.js'
import { serviceMachineConfig, type Announcement, type ServiceChange } from '../service-state.js'

export interface ServerRuntimeEvents {
  serviceChange: [ServiceChange]
}

export interface ServerRuntime extends EventEmitter<ServerRuntimeEvents> {
  start(): Promise<void>
  /** Drain one service (default: all) gracefully. */
  drain(service?: string): void
  undrain(): void
  shutdown(reason: string): Promise<void>
}

function announceAttributes(a: Announcement, localAs: number): AnnounceAttributes {
  // An empty COMMUNITIES attribute is malformed (RFC 7606 §7.8: treat-as-withdraw): leave it out.
  const out: AnnounceAttributes = {}
  if (a.communities.length > 0) out.communities = [...a.communities]
  if (a.largeCommunities.length > 0) out.largeCommunities = a.largeCommunities.map((c) => [c[0], c[1], c[2]] as [number, number, number])
  if (a.med !== null) out.med = a.med
  if (a.localPref !== null) out.localPref = a.localPref
  if (a.prepend > 0) out.asPath = new Array<number>(a.prepend).fill(localAs)
  return out
}

class SpeakerServerRuntime extends EventEmitter<ServerRuntimeEvents> implements ServerRuntime {
  private readonly speaker: Speaker
  private readonly monitors = new Map<string, { svc: ServiceConfig; monitor: ServiceMonitor }>()

  constructor(
    private readonly config: DaemonConfig,
    logger: Logger,
  ) {
    super()
    this.speaker = new Speaker({ routerId: config.routerId, localAs: config.localAs, listen: false, logger })
    // Errors are logged by the speaker; listening keeps an 'error' event from crashing the process.
    this.speaker.on('error', () => {})
    const inst = instanceCommunity(config)
    for (const svc of config.services) {
      const monitor = new ServiceMonitor(serviceMachineConfig(svc, inst), svc.checks)
      monitor.on('change', (c) => this.onChange(svc, c))
      this.monitors.set(svc.name, { svc, monitor })
    }
  }

  async start(): Promise<void> {
    for (const n of this.config.neighbors) {
      await this.speaker.addPeer({
        address: n.address,
        remoteAs: n.remoteAs,
        port: n.port,
        localAddress: n.localAddress ?? undefined,
        holdTime: n.holdTimeSec,
        keepalive: n.keepaliveSec ?? undefined,
        connectRetry: n.connectRetrySec,
        passive: n.passive,
        families: [...n.families],
        nextHop: n.nextHopIpv4 ?? undefined,
        nextHop6: n.nextHopIpv6 ?? undefined,
        nextHopSelf: n.nextHopSelf,
        description: n.description ?? undefined,
      })
    }
    await this.speaker.start()
    const inst = instanceCommunity(this.config)
    for (const { svc, monitor } of this.monitors.values()) {
      if (svc.uniquePrefixes.length > 0) {
        this.speaker.announce(svc.uniquePrefixes.map((p) => p.prefix), inst === null ? {} : { largeCommunities: [[inst[0], inst[1], inst[2]]] })
      }
      monitor.start()
    }
  }

  drain(service?: string): void {
    for (const [name, { monitor }] of this.monitors) if (service === undefined || name === service) monitor.maintenance(true, 'admin')
  }

  undrain(): void {
    for (const { monitor } of this.monitors.values()) monitor.maintenance(false, 'admin')
  }

  async shutdown(reason: string): Promise<void> {
    await Promise.all([...this.monitors.values()].map((m) => m.monitor.stop()))
    await this.speaker.close(reason)
  }

  private onChange(svc: ServiceConfig, c: ServiceChange): void {
    const prefixes = svc.prefixes.map((p) => p.prefix)
    if (c.announcement.announce) this.speaker.announce(prefixes, announceAttributes(c.announcement, this.config.localAs))
    else this.speaker.withdraw(prefixes)
    this.emit('serviceChange', c)
  }
}

class DaemonServerRuntime extends EventEmitter<ServerRuntimeEvents> implements ServerRuntime {
  private readonly d: Daemon

  constructor(config: DaemonConfig, logger: Logger) {
    super()
    this.d = new Daemon(config, { logger, control: false, metrics: false })
    this.d.on('serviceChange', (c) => this.emit('serviceChange', c))
  }

  start(): Promise<void> {
    return this.d.start()
  }

  drain(service?: string): void {
    this.d.drain(service)
  }

  undrain(): void {
    this.d.undrain()
  }

  shutdown(reason: string): Promise<void> {
    return this.d.shutdown(reason)
  }
}

export type RuntimeKind = 'daemon' | 'speaker'
export const DEFAULT_RUNTIME: RuntimeKind = 'daemon'

export function createServerRuntime(config: DaemonConfig, o: { logger: Logger; kind?: RuntimeKind }): ServerRuntime {
  return (o.kind ?? DEFAULT_RUNTIME) === 'daemon' ? new DaemonServerRuntime(config, o.logger) : new SpeakerServerRuntime(config, o.logger)
}

/**
 * `tsbgp demo` (issue 5): the whole idea on loopback, unprivileged, nothing installed but tsbgp. A border
 * router with multipath and three anycast servers announcing one service address (src/daemon/demo/
 * topology.ts), each with a dummy TCP service and a tcp health check. The script stops a service, drains
 * another (RFC 8326) and brings both back, printing the router's view after each step, then shuts
 * everything down with Cease / Administrative Shutdown and an RFC 9003 message.
 *
 * Each step waits for the router's view to reach the expected state, or fails the demo (exit 1) after
 * STEP_TIMEOUT_MS with what it waited for and the last view. Output: text (default), NDJSON events
 * (--json) or nothing (--quiet); logs only with --verbose, to stderr.
 */
import { pino, type Logger } from 'pino'
import { DummyService } from '../daemon/demo/dummy-service.js'
import { DemoRouter, ecmpSet, pathOf, type RouterView } from '../daemon/demo/router.js'
import { createServerRuntime, type RuntimeKind, type ServerRuntime } from '../daemon/demo/server-runtime.js'
import {
  CHECK_FALL, CHECK_INTERVAL_MS, CHECK_RISE, DEMO_SERVERS, demoServerConfig, DRAIN_PERIOD_MS, ROUTER_ADDRESS, ROUTER_AS,
  SERVER_AS, SERVICE_NAME, SERVICE_PREFIX4, SERVICE_PREFIXES,
} from '../daemon/demo/topology.js'
import type { ServiceChange } from '../daemon/service-state.js'
import { ANSI, formatMs, PLAIN, renderInstances, renderView, type Style } from './demo-render.js'

export const STEP_TIMEOUT_MS = 8000
export const SHUTDOWN_MESSAGE = 'demo finished'

export interface DemoOptions {
  out: NodeJS.WritableStream
  /** Failure messages and --verbose logs; default process.stderr. */
  err?: NodeJS.WritableStream
  json?: boolean
  quiet?: boolean
  verbose?: boolean
  /** Default: out is a TTY and NO_COLOR is unset. */
  color?: boolean
  stepTimeoutMs?: number
  /** Which server runtime (src/daemon/demo/server-runtime.ts); default DEFAULT_RUNTIME. */
  runtime?: RuntimeKind
}

const UNIQUE_PREFIXES = DEMO_SERVERS.map((s) => s.uniquePrefix)
const [SRV1, SRV2, SRV3] = DEMO_SERVERS.map((s) => s.name) as [string, string, string]

/** Prints (text), emits (NDJSON) or swallows (quiet) what happens. */
class Reporter {
  readonly st: Style
  private step = 0
  /** The reader went away (`tsbgp demo | head`): stop writing, let the demo clean up. */
  private gone = false
  private readonly onError = (e: NodeJS.ErrnoException): void => {
    if (e.code !== 'EPIPE') throw e
    this.gone = true
  }

  constructor(
    private readonly o: DemoOptions,
    private readonly clock: () => number,
  ) {
    const tty = (o.out as NodeJS.WritableStream & { isTTY?: boolean }).isTTY === true
    this.st = (o.color ?? (tty && !process.env.NO_COLOR)) ? ANSI : PLAIN
    if (typeof o.out.on === 'function') o.out.on('error', this.onError)
  }

  detach(): void {
    if (typeof this.o.out.off === 'function') this.o.out.off('error', this.onError)
  }

  private write(s: string): void {
    if (!this.gone) this.o.out.write(s)
  }

  private text(s: string): void {
    if (!this.o.json && !this.o.quiet) this.write(`${s}\n`)
  }

  private json(event: string, fields: Record<string, unknown>): void {
    if (this.o.json) this.write(`${JSON.stringify({ event, atMs: Math.round(this.clock()), ...fields })}\n`)
  }

  private stamp(): string {
    return this.st.dim(`+${(this.clock() / 1000).toFixed(2)}s`)
  }

  topology(routerPort: number, servicePorts: readonly number[]): void {
    const { st } = this
    this.json('topology', {
      router: { address: ROUTER_ADDRESS, port: routerPort, asn: ROUTER_AS, multipath: true },
      servers: DEMO_SERVERS.map((s, i) => ({ ...s, asn: SERVER_AS, servicePort: servicePorts[i] })),
      servicePrefixes: SERVICE_PREFIXES,
    })
    this.text(st.bold(`tsbgp demo: anycast on loopback, one border router and three servers sharing ${SERVICE_PREFIXES.join(' and ')}`))
    this.text('')
    this.text(`  ${st.bold('router')}  AS${ROUTER_AS}  ${ROUTER_ADDRESS}:${routerPort}  multipath on; import: 65535:0 (GSHUT) → LOCAL_PREF 0 (RFC 8326)`)
    DEMO_SERVERS.forEach((s, i) => {
      const role = s.med === 100 ? '' : '  (backup)'
      this.text(`  ${st.bold(s.name)}    AS${SERVER_AS}  ${s.address}  MED ${s.med}  service tcp ${s.address}:${servicePorts[i]}  instance ${SERVER_AS}:${s.instanceId}:0${role}`)
    })
    this.text(st.dim(`  health check: tcp every ${CHECK_INTERVAL_MS} ms, rise ${CHECK_RISE}, fall ${CHECK_FALL}; drain period ${formatMs(DRAIN_PERIOD_MS)}`))
  }

  headline(title: string): void {
    this.step++
    this.json('step', { step: this.step, title })
    this.text('')
    this.text(`${this.st.cyan(this.st.bold(`[${this.step}/5] ${title}`))}  ${this.stamp()}`)
  }

  note(s: string, fields: Record<string, unknown> = {}, kind = 'note'): void {
    this.json(kind, { step: this.step, text: s, ...fields })
    this.text(`  ${s}`)
  }

  result(s: string, fields: Record<string, unknown>): void {
    this.json('result', { step: this.step, text: s, ...fields })
    this.text(`  ${this.st.green('→')} ${this.st.bold(s)}`)
  }

  serviceChange(instance: string, c: ServiceChange): void {
    if (c.from === null) return
    const a = c.announcement
    this.json('serviceChange', { instance, service: c.service, from: c.from, to: c.to, announce: a.announce, reason: c.reason.text })
    const what = !a.announce ? 'withdraw' : `announce MED ${a.med ?? '-'}${a.communities.length > 0 ? ' with 65535:0' : ''}`
    this.text(`  ${this.st.bold(instance)} ${c.from} → ${c.to}: ${c.reason.text} ${this.st.dim(`⇒ ${what}`)}  ${this.stamp()}`)
  }

  session(instance: string, to: string, from: string): void {
    if (to !== 'Established' && from !== 'Established') return
    this.json('session', { instance, from, to })
    this.text(`  router: session with ${this.st.bold(instance)} ${to === 'Established' ? 'Established' : `down (${to})`}  ${this.stamp()}`)
  }

  view(v: RouterView, label: string): void {
    this.json('view', { step: this.step, label, ecmp4: ecmpSet(v, SERVICE_PREFIX4), paths: v.paths })
    if (this.o.json || this.o.quiet) return
    this.text('')
    this.text(`  ${this.st.dim(`router view ${label} (${(v.atMs / 1000).toFixed(2)}s):`)}`)
    this.text(renderView(v, SERVICE_PREFIXES, this.st))
    this.text('')
  }

  /** Every distinct router view, for machines (--json only; the text shows the view at each checkpoint). */
  viewChange(v: RouterView): void {
    this.json('viewChange', { step: this.step, ecmp4: ecmpSet(v, SERVICE_PREFIX4), paths: v.paths })
  }

  instances(v: RouterView): void {
    if (this.o.json || this.o.quiet) return
    this.text(`  ${this.st.dim('which instance is which (per-instance /32s, RFC 8092 instance communities):')}`)
    this.text(renderInstances(v, UNIQUE_PREFIXES, this.st))
  }

  done(totalMs: number): void {
    this.json('done', { code: 0, totalMs: Math.round(totalMs) })
    this.text('')
    this.text(this.st.green(this.st.bold(`demo finished in ${formatMs(totalMs)}: every step seen by the router.`)))
  }

  fail(e: Error, v: RouterView): void {
    const err = this.o.err ?? process.stderr
    this.json('failed', { step: this.step, error: e.message, paths: v.paths })
    err.write(`tsbgp demo: ${this.step === 0 ? 'setup' : `step ${this.step}`} failed: ${e.message}\n`)
    if ((e as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL') {
      // Linux routes all of 127.0.0.0/8 to lo; macOS and the BSDs only configure 127.0.0.1.
      err.write(`the demo needs ${DEMO_SERVERS.map((s) => s.address).join(', ')} on the loopback interface (macOS: sudo ifconfig lo0 alias 127.0.0.11 up, and so on)\n`)
    }
    err.write(`router view at ${(v.atMs / 1000).toFixed(2)}s:\n${renderView(v, SERVICE_PREFIXES, PLAIN)}\n`)
  }
}

const both = (f: (prefix: string) => boolean): boolean => SERVICE_PREFIXES.every(f)
const sameSet = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x) => b.includes(x))

/** Run the demo; resolves with the exit code (0 = every step seen, 1 = a step failed or timed out). */
export async function runDemo(o: DemoOptions): Promise<number> {
  const t0 = performance.now()
  const clock = (): number => performance.now() - t0
  const rep = new Reporter(o, clock)
  const timeout = o.stepTimeoutMs ?? STEP_TIMEOUT_MS
  const logger: Logger = o.verbose ? pino({ level: 'debug' }, o.err ?? process.stderr) : pino({ level: 'silent' })
  const router = new DemoRouter([...SERVICE_PREFIXES, ...UNIQUE_PREFIXES], logger.child({ node: 'router' }), clock)
  const services = DEMO_SERVERS.map((s) => new DummyService(s.name, s.address))
  const runtimes: ServerRuntime[] = []
  const byAddress = new Map(DEMO_SERVERS.map((s) => [s.address, s.name]))
  router.on('peerStateChange', (e) => rep.session(byAddress.get(e.peer) ?? e.peer, e.to, e.from))
  router.on('view', (v) => rep.viewChange(v))
  try {
    const routerPort = await router.start(DEMO_SERVERS)
    const ports = await Promise.all(services.map((s) => s.start()))
    DEMO_SERVERS.forEach((s, i) => {
      const r = createServerRuntime(demoServerConfig(s, routerPort, ports[i]!), { logger: logger.child({ node: s.name }), kind: o.runtime })
      r.on('serviceChange', (c) => rep.serviceChange(s.name, c))
      runtimes.push(r)
    })
    rep.topology(routerPort, ports)

    rep.headline('start: three servers dial the router, their health checks rise, they announce')
    await Promise.all(runtimes.map((r) => r.start()))
    let v = await router.waitFor(
      (v) =>
        both((p) => v.paths.filter((x) => x.prefix === p).length === 3 && sameSet(ecmpSet(v, p), [SRV1, SRV2])) &&
        UNIQUE_PREFIXES.every((p) => v.paths.some((x) => x.prefix === p)),
      timeout,
      'all three paths at the router with srv1 + srv2 as the ECMP set',
    )
    rep.view(v, 'with all three instances up')
    rep.instances(v)
    rep.result(`ECMP set: ${ecmpSet(v, SERVICE_PREFIX4).join(' + ')} (equal MED 100); ${SRV3} (MED 200) is the backup`, { ecmp: ecmpSet(v, SERVICE_PREFIX4) })

    rep.headline(`${SRV1}'s service stops (its TCP listener closes)`)
    const stoppedAt = clock()
    await services[0]!.stop()
    v = await router.waitFor((v) => both((p) => pathOf(v, p, SRV1) === undefined), timeout, `the router to lose ${SRV1}'s paths`)
    const withdrawMs = v.atMs - stoppedAt
    rep.view(v, `after ${SRV1} withdrew`)
    rep.result(`${SRV1} withdrawn ${formatMs(withdrawMs)} after its service stopped; traffic now goes to ${ecmpSet(v, SERVICE_PREFIX4).join(' + ')}`, {
      withdrawnMs: Math.round(withdrawMs), ecmp: ecmpSet(v, SERVICE_PREFIX4),
    })

    rep.headline(`drain ${SRV2} (RFC 8326 graceful shutdown: announce with 65535:0, withdraw after ${formatMs(DRAIN_PERIOD_MS)})`)
    const drainAt = clock()
    runtimes[1]!.drain(SERVICE_NAME)
    v = await router.waitFor(
      (v) => both((p) => pathOf(v, p, SRV2)?.gshut === true && sameSet(ecmpSet(v, p), [SRV3])),
      timeout,
      `${SRV2}'s path with 65535:0 and ${SRV3} best`,
    )
    rep.view(v, `while ${SRV2} drains`)
    rep.result(`make before break: ${SRV2} still announced (LOCAL_PREF 0, not best), traffic already on ${SRV3} after ${formatMs(v.atMs - drainAt)}`, {
      gshut: true, ecmp: ecmpSet(v, SERVICE_PREFIX4),
    })
    v = await router.waitFor((v) => both((p) => pathOf(v, p, SRV2) === undefined), DRAIN_PERIOD_MS + timeout, `${SRV2}'s withdrawal at the end of the drain period`)
    rep.view(v, 'after the drain period')
    rep.result(`${SRV2} withdrawn ${formatMs(v.atMs - drainAt)} after the drain began, when its traffic had long moved to ${SRV3}`, { withdrawnMs: Math.round(v.atMs - drainAt) })

    rep.headline(`bring ${SRV1}'s service back and undrain ${SRV2}`)
    const backAt = clock()
    await services[0]!.start()
    runtimes[1]!.undrain()
    v = await router.waitFor(
      (v) => both((p) => sameSet(ecmpSet(v, p), [SRV1, SRV2]) && pathOf(v, p, SRV3) !== undefined && pathOf(v, p, SRV2)?.gshut === false),
      timeout,
      `the ECMP pair ${SRV1} + ${SRV2} again`,
    )
    rep.view(v, 'with everything back')
    rep.result(`back to the ECMP pair ${ecmpSet(v, SERVICE_PREFIX4).join(' + ')} after ${formatMs(v.atMs - backAt)} (${SRV1} needed ${CHECK_RISE} passing checks)`, {
      ecmp: ecmpSet(v, SERVICE_PREFIX4),
    })

    rep.headline('shut down the servers: Cease / Administrative Shutdown with an RFC 9003 message')
    const seen: string[] = []
    router.on('notification', (e) => {
      if (e.direction !== 'received') return
      const who = byAddress.get(e.peer) ?? e.peer
      seen.push(who)
      rep.note(`router received from ${who}: ${e.name}${e.message === undefined ? '' : ` "${e.message}"`}`, { instance: who, name: e.name, message: e.message }, 'notification')
    })
    const closing = Promise.all(runtimes.map((r) => r.shutdown(SHUTDOWN_MESSAGE)))
    closing.catch(() => {}) // awaited below; handled here too in case a wait below times out first
    // A runtime that drains before closing (the Daemon: RFC 8326 on shutdown) shows every path with 65535:0 first.
    const draining = (v: RouterView): boolean => {
      const ps = v.paths.filter((p) => SERVICE_PREFIXES.includes(p.prefix))
      return ps.length > 0 && ps.every((p) => p.gshut)
    }
    v = await router.waitFor((v) => v.paths.length === 0 || draining(v), timeout, 'the servers to drain or close')
    if (draining(v)) {
      rep.view(v, 'while every server drains before closing')
      rep.result(`graceful shutdown first (RFC 8326): every path carries 65535:0 for ${formatMs(DRAIN_PERIOD_MS)} before the sessions close`, { gshut: true })
    }
    await closing
    await router.waitFor((v) => v.paths.length === 0 && seen.length === DEMO_SERVERS.length, timeout, 'every session to close')
    await router.close(SHUTDOWN_MESSAGE)
    await Promise.all(services.map((s) => s.stop()))
    rep.done(clock())
    return 0
  } catch (e) {
    rep.fail(e instanceof Error ? e : new Error(String(e)), router.view)
    return 1
  } finally {
    await Promise.all(runtimes.map((r) => r.shutdown(SHUTDOWN_MESSAGE).catch(() => {})))
    await router.close(SHUTDOWN_MESSAGE).catch(() => {})
    await Promise.all(services.map((s) => s.stop()))
    rep.detach()
  }
}

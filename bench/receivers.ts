/**
 * Receivers of the ingestion benchmark (issue 4): tsbgp, BIRD 2 and GoBGP 3, each started on
 * loopback with a passive session for the bench sender (127.0.0.2 -> 127.0.0.3:port), and a way
 * to learn when all N prefixes are in its Loc-RIB, and its RSS (/proc/PID/status VmRSS).
 *
 * How "all N in the Loc-RIB" is observed, and what that costs:
 * - tsbgp: the receiver process itself stamps the instant: exact for the lower-layer receiver
 *   (bench/tsbgp-receiver.ts, checked after every UPDATE), within a few ms for the Speaker
 *   (bench/tsbgp-speaker.ts, a 2 ms timer on its counters).
 * - BIRD: `birdc show protocols all bench` every 20 ms: the channel's "Routes: N imported"
 *   counter, O(1) in BIRD. `show route count` walks the whole table in BIRD's single thread
 *   (its latency at 1M is measured once at the end and printed), so it is not the poll.
 * - GoBGP: `gobgp global rib summary -a FAMILY` (the global RIB's destination count) every
 *   500 ms (its runs take seconds; each call is a Go binary and a gRPC round trip, CPU the
 *   daemon would otherwise use; the latency is printed too).
 * A poll that sees N bounds the instant: after the previous poll's reply, before this reply;
 * we report the midpoint and the half-width (±) of that bracket.
 *
 * Every daemon is registered with the lab CleanupRegistry (killed by PID on exit or signal) and
 * stopped by PID in the caller's finally.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { BirdInstance, type BirdConfig } from '../interop/lab/bird.js'
import type { CleanupRegistry } from '../interop/lab/cleanup.js'
import { killPid } from '../interop/lab/cleanup.js'
import { GobgpInstance } from '../interop/lab/gobgp.js'
import { exec, freeTcpPort } from '../interop/lab/proc.js'
import { monoMs, type BenchFamily } from './sender.js'

/**
 * tsbgp = the Speaker (the product, default options); tsbgp-nopre = the Speaker with keepPrePolicy
 * false (no pre-policy Adj-RIB-In); tsbgp-layers = Peer + RIB classes without it (tsbgp-receiver.ts).
 */
export type ReceiverKind = 'tsbgp' | 'tsbgp-nopre' | 'tsbgp-layers' | 'bird' | 'gobgp'

/** The addresses of every bench session: the sender (or originator) and the daemon under test. */
export const SENDER_ADDRESS = '127.0.0.2'
export const RECEIVER_ADDRESS = '127.0.0.3'
export const SENDER_AS = 65001
export const RECEIVER_AS = 65002

export type JsonEvent = Record<string, unknown> & { event: string }

/**
 * A compiled bench process (node .bench-build/bench/X.js) speaking JSON lines on stdout. Its stdin
 * is a pipe held open: closing it tells the child to stop (it also stops on SIGTERM).
 */
export class JsonChild {
  readonly child: ChildProcess
  readonly pid: number
  readonly events: JsonEvent[] = []
  readonly exited: Promise<number | null>
  private waiters: Array<() => void> = []
  private stderr = ''
  private readonly release: () => Promise<void>

  constructor(script: string, args: string[], registry: CleanupRegistry, nodeArgs: string[] = []) {
    const file = fileURLToPath(new URL(`./${script}.js`, import.meta.url))
    this.child = spawn(process.execPath, [...nodeArgs, file, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
    if (this.child.pid === undefined) throw new Error(`spawn ${script} failed`)
    this.pid = this.child.pid
    this.release = registry.addPid(this.pid, script, 3000)
    this.child.stdin!.on('error', () => {})
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4000)
    })
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as JsonEvent)
      } catch {
        this.events.push({ event: 'text', line })
      }
      for (const w of this.waiters.splice(0)) w()
    })
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => {
      for (const w of this.waiters.splice(0)) w()
      resolve(code)
    }))
  }

  find(name: string): JsonEvent | undefined {
    return this.events.find((e) => e.event === name)
  }

  /** The first event `name`; rejects on timeout, on an 'error' event or when the child exits first. */
  async waitEvent(name: string, timeoutMs: number): Promise<JsonEvent> {
    const deadline = monoMs() + timeoutMs
    for (;;) {
      const e = this.find(name)
      if (e !== undefined) return e
      const err = this.find('error')
      if (err !== undefined) throw new Error(`${name}: child reported ${String(err.message)}`)
      if (this.child.exitCode !== null || this.child.signalCode !== null) throw new Error(`child exited (${this.child.exitCode ?? this.child.signalCode}) before '${name}': ${this.stderr.trim()}`)
      const left = deadline - monoMs()
      if (left <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for '${name}'`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  /** Close stdin (graceful), then SIGTERM/SIGKILL by PID if it lingers. */
  async stop(): Promise<void> {
    this.child.stdin!.end()
    await Promise.race([this.exited, sleep(3000)])
    await killPid(this.pid, 2000)
    await this.release()
  }
}

export interface PollResult {
  /** Estimated instant (monotonic ms) the count reached N: midpoint of the bracket. */
  t: number
  /** Half-width of the bracket, ms. */
  halfWidthMs: number
  polls: number
  /** Median latency of one poll, ms. */
  pollMs: number
  count: number
  timedOut: boolean
  /** CPU time of the receiver process over the run, when it measures it itself (the tsbgp Speaker). */
  cpuMs?: number
}

/** Polls `count()` every intervalMs until it reaches n or deadline (monotonic ms) passes. */
export async function pollUntil(count: () => Promise<number>, n: number, intervalMs: number, deadline: number): Promise<PollResult> {
  let prevEnd = monoMs()
  const lat: number[] = []
  let c = 0
  for (;;) {
    const s = monoMs()
    try {
      c = await count()
    } catch {
      c = -1 // a failed query (daemon busy) is not an answer; try again
    }
    const e = monoMs()
    lat.push(e - s)
    if (c >= n || e > deadline) {
      lat.sort((a, b) => a - b)
      return { t: (prevEnd + e) / 2, halfWidthMs: (e - prevEnd) / 2, polls: lat.length, pollMs: lat[lat.length >> 1]!, count: c, timedOut: c < n }
    }
    prevEnd = e
    const wait = intervalMs - (monoMs() - s)
    if (wait > 0) await sleep(wait)
  }
}

export interface Receiver {
  kind: ReceiverKind
  pid: number
  /** Where the sender connects. */
  host: string
  port: number
  /** When all n prefixes are in the Loc-RIB (monotonic ms), or a timeout. */
  waitAll(n: number, deadline: number): Promise<PollResult>
  /** An independent full count of the Loc-RIB and how long it took (BIRD: `show route count`). */
  verify(): Promise<{ count: number; ms: number; how: string }>
  stop(): Promise<void>
}

export interface ReceiverOptions {
  family: BenchFamily
  /** Prefixes the sender will send (the tsbgp receiver stamps the instant it holds them all). */
  count: number
  registry: CleanupRegistry
  /** Extra node flags for the tsbgp receiver. */
  nodeArgs?: string[]
}

export async function startReceiver(kind: ReceiverKind, o: ReceiverOptions): Promise<Receiver> {
  const port = await freeTcpPort(RECEIVER_ADDRESS)
  if (kind === 'tsbgp' || kind === 'tsbgp-nopre' || kind === 'tsbgp-layers') return await startTsbgp(kind, port, o)
  if (kind === 'bird') return await startBird(port, o)
  return await startGobgp(port, o)
}

async function startTsbgp(kind: 'tsbgp' | 'tsbgp-nopre' | 'tsbgp-layers', port: number, o: ReceiverOptions): Promise<Receiver> {
  const args = ['--listen', `${RECEIVER_ADDRESS}:${port}`, '--peer', SENDER_ADDRESS, '--as', String(RECEIVER_AS)]
  args.push('--peer-as', String(SENDER_AS), '--router-id', RECEIVER_ADDRESS, '--count', String(o.count))
  if (kind === 'tsbgp-nopre') args.push('--keep-pre-policy', 'false')
  const c = new JsonChild(
    kind === 'tsbgp-layers' ? 'tsbgp-receiver' : 'tsbgp-speaker',
    args,
    o.registry,
    o.nodeArgs,
  )
  await c.waitEvent('listening', 10_000)
  return {
    kind,
    pid: c.pid,
    host: RECEIVER_ADDRESS,
    port,
    async waitAll(_n, deadline) {
      const t0 = monoMs()
      try {
        const e = await c.waitEvent('done', Math.max(0, deadline - t0))
        const r: PollResult = { t: Number(e.t), halfWidthMs: 0, polls: 0, pollMs: 0, count: Number(e.count), timedOut: false }
        if (typeof e.cpuMs === 'number') r.cpuMs = e.cpuMs
        return r
      } catch (err) {
        if (!/timed out/.test((err as Error).message)) throw err
        return { t: monoMs(), halfWidthMs: 0, polls: 0, pollMs: 0, count: -1, timedOut: true }
      }
    },
    async verify() {
      const e = c.find('done')
      return { count: e === undefined ? -1 : Number(e.count), ms: 0, how: 'in-process Loc-RIB size' }
    },
    stop: () => c.stop(),
  }
}

export interface BirdBenchOptions {
  passive: boolean
  neighborAs: number
  neighborAddress: string
  neighborPort?: number
  localAs: number
  localAddress: string
  routerId: string
  export?: 'all' | 'none'
  /** Extra lines in the BGP protocol (e.g. 'disabled;'). */
  protocolExtra?: string[]
  staticRoutes?: BirdConfig['staticRoutes']
}

/**
 * BIRD on loopback (LAB.md): multihop session, next hops resolved through private IGP tables, and
 * protocol times with milliseconds (a later `timeformat` overrides the driver's "%s").
 */
export function birdBenchConfig(port: number, o: BirdBenchOptions): BirdConfig {
  const exp = o.export ?? 'none'
  return {
    routerId: o.routerId,
    gshut: false, // the RFC 8326 import filter would cost BIRD a filter run per route
    extra: [
      'ipv4 table loopnh4;',
      'ipv6 table loopnh6;',
      'protocol static loopnh4s { ipv4 { table loopnh4; }; route 0.0.0.0/0 via "lo"; }',
      'protocol static loopnh6s { ipv6 { table loopnh6; }; route ::/0 via "lo"; }',
      'timeformat protocol "%s.%3f";',
    ],
    staticRoutes: o.staticRoutes,
    neighbors: [
      {
        name: 'bench',
        address: o.neighborAddress,
        as: o.neighborAs,
        port: o.neighborPort,
        extra: o.protocolExtra,
        localAs: o.localAs,
        localAddress: o.localAddress,
        localPort: port,
        multihop: true,
        passive: o.passive,
        ipv4: { import: 'all', export: exp, igpTable: 'loopnh4' },
        ipv6: { import: 'all', export: exp, igpTable: 'loopnh6' },
      },
    ],
  }
}

async function startBird(port: number, o: ReceiverOptions): Promise<Receiver> {
  const b = await BirdInstance.start({
    name: `ingest-bird-${o.family}`,
    registry: o.registry,
    config: birdBenchConfig(port, { passive: true, neighborAs: SENDER_AS, neighborAddress: SENDER_ADDRESS, localAs: RECEIVER_AS, localAddress: RECEIVER_ADDRESS, routerId: RECEIVER_ADDRESS }),
  })
  const table = o.family === 'ipv4' ? 'master4' : 'master6'
  return {
    kind: 'bird',
    pid: b.proc.pid,
    host: RECEIVER_ADDRESS,
    port,
    async waitAll(n, deadline) {
      return await pollUntil(async () => birdImported(b, 'bench', o.family), n, 20, deadline)
    },
    async verify() {
      const s = monoMs()
      const c = await b.routeCount()
      return { count: c.tables[table]?.routes ?? c.routes, ms: monoMs() - s, how: '`birdc show route count`' }
    },
    stop: () => b.stop(),
  }
}

/** The channel's imported-routes counter from `show protocols all NAME` (O(1) in BIRD). */
export async function birdImported(b: BirdInstance, name: string, family: BenchFamily): Promise<number> {
  const p = await b.protocol(name)
  if (p === undefined) return -1
  const ch = p.channels.find((c) => c.af === family)
  return ch?.imported ?? -1
}

async function startGobgp(port: number, o: ReceiverOptions): Promise<Receiver> {
  const apiPort = await freeTcpPort('127.0.0.1')
  const g = await GobgpInstance.start({
    name: `ingest-gobgp-${o.family}`,
    registry: o.registry,
    apiPort,
    config: {
      as: RECEIVER_AS,
      routerId: RECEIVER_ADDRESS,
      port,
      localAddresses: [RECEIVER_ADDRESS],
      gshut: false,
      export: 'none',
      neighbors: [{ address: SENDER_ADDRESS, as: SENDER_AS, passive: true, families: ['ipv4-unicast', 'ipv6-unicast'] }],
    },
  })
  const count = async (): Promise<number> => gobgpRibCount(g.apiPort, o.family)
  return {
    kind: 'gobgp',
    pid: g.proc.pid,
    host: RECEIVER_ADDRESS,
    port,
    async waitAll(n, deadline) {
      // Seconds-long runs: a slow poll, as each gobgp call costs CPU the daemon would use.
      return await pollUntil(count, n, 500, deadline)
    },
    async verify() {
      const s = monoMs()
      const c = await count()
      return { count: c, ms: monoMs() - s, how: '`gobgp global rib summary`' }
    },
    stop: () => g.stop(),
  }
}

/** Destinations in GoBGP's global RIB for the family: "Table ipv4-unicast\nDestination: N, Path: M". */
export async function gobgpRibCount(apiPort: number, family: BenchFamily): Promise<number> {
  const r = await exec('gobgp', ['-p', String(apiPort), 'global', 'rib', 'summary', '-a', family], { timeoutMs: 20_000, check: false })
  const m = /Destination:\s*(\d+)/.exec(r.stdout)
  return m === null ? -1 : Number(m[1])
}

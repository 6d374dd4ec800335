/**
 * Origination benchmark (issue 4, the reverse direction): a tsbgp speaker originates N IPv4 /24s to
 * BIRD; measured: the time until BIRD holds them all. Target: at most 1 s for 1M.
 * Compared in the same run with BIRD -> BIRD (a BIRD whose static protocol holds the N routes).
 *
 *   tsbgp:  BIRD-B (passive) <- bench/tsbgp-originator.js --speaker before (the Speaker, the product:
 *           announce() of the N prefixes as text before start(); its Adj-RIB-Out is built and sent at
 *           Established). Clock: Established -> BIRD-B holds all N, as for BIRD -> BIRD.
 *   tsbgp-live: BIRD-B <- bench/tsbgp-originator.js --speaker live (the Speaker with the session up and
 *           its empty table sent: announce() of the N prefixes). Clock: the announce() call (the child's
 *           stamp, CLOCK_MONOTONIC like ours) -> BIRD-B holds all N: parsing, RIBs, export, packing, sending.
 *   tsbgp-layers: BIRD-B <- bench/tsbgp-originator.js (Peer + packUpdates at Established, no Speaker)
 *   BIRD:   BIRD-B (passive) <- BIRD-A (static N routes, `export all`; its BGP protocol starts
 *           `disabled` and is enabled once the static routes are all in A's table, so A's config
 *           parsing and table load are not counted)
 *
 * All stop the clock the same way, on the receiving BIRD-B: t1 = the first 20 ms poll of `show protocols
 * all bench` whose channel "imported" counter is N (O(1) in BIRD; ± half the poll bracket, bench/receivers.ts).
 * t0 for tsbgp, tsbgp-layers and BIRD = the `since` time of BIRD-B's BGP protocol (it changes when the
 * session reaches Established; printed with milliseconds, wall clock, mapped to the monotonic clock).
 * Every sender announces one attribute set (ORIGIN IGP, AS_PATH [65001], NEXT_HOP 127.0.0.2), what
 * BIRD-A's static routes become on export.
 *
 * Run alone: node .bench-build/bench/originate.js [N] [tsbgp,tsbgp-live,tsbgp-layers,bird] [repeat]
 * ORIGINATE_NODE_ARGS: extra node flags for the tsbgp process (e.g. "--cpu-prof --cpu-prof-dir=DIR").
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { BirdInstance } from '../interop/lab/bird.js'
import { CleanupRegistry } from '../interop/lab/cleanup.js'
import { freeTcpPort, missingCommands } from '../interop/lab/proc.js'
import { birdBenchConfig, birdImported, JsonChild, pollUntil, RECEIVER_ADDRESS, RECEIVER_AS, SENDER_ADDRESS, SENDER_AS } from './receivers.js'
import { benchPrefixText, monoMs, vmRssKb } from './sender.js'

export type OriginateSender = 'tsbgp' | 'tsbgp-live' | 'tsbgp-layers' | 'bird'

export interface OriginateFigures {
  sender: OriginateSender
  n: number
  error?: string
  timedOut: boolean
  count: number
  /** Established (on BIRD-B) -> BIRD-B holds all N; tsbgp-live: the announce() call -> BIRD-B holds all N. */
  seconds: number
  plusMinus: number
  /** tsbgp only: packing at Established, and Established -> last UPDATE written (its own clock). */
  packMs?: number
  sentSeconds?: number
  senderRssKb?: number
  /** Speaker only: the announce() call of the N prefixes (tsbgp: before start(), not in `seconds`; tsbgp-live: in it). */
  announceMs?: number
  /** tsbgp only: its own Established instant minus BIRD-B's (clock mapping + who got the last KEEPALIVE first). */
  skewMs?: number
  /** BIRD-A only: start with N static routes until they are all in its table. */
  setupSeconds?: number
}

const IMPORT_POLL_MS = 20

function receiverConfig(port: number) {
  return birdBenchConfig(port, { passive: true, neighborAs: SENDER_AS, neighborAddress: SENDER_ADDRESS, localAs: RECEIVER_AS, localAddress: RECEIVER_ADDRESS, routerId: RECEIVER_ADDRESS })
}

/** BIRD's wall-clock `since` ("1795800405.110") as monotonic ms. */
function sinceToMono(since: string): number {
  return Number(since) * 1000 - (Date.now() - monoMs())
}

/** Polls BIRD-B until it holds n routes from 'bench'; times from its Established instant (returned). */
async function measureOnReceiver(b: BirdInstance, n: number, timeoutMs: number, fig: OriginateFigures): Promise<number> {
  // Established first (bounded), so the 60 s cap counts from it.
  let since = ''
  const deadlineUp = monoMs() + 30_000
  while (monoMs() < deadlineUp) {
    const p = await b.protocol('bench')
    if (p?.bgpState === 'Established') {
      since = p.since
      break
    }
    await sleep(IMPORT_POLL_MS)
  }
  if (since === '') throw new Error(`BIRD-B: session not Established within 30 s; log:\n${b.proc.tail(5)}`)
  const t0 = sinceToMono(since)
  await pollImported(b, n, t0, timeoutMs, fig)
  return t0
}

/** Polls BIRD-B's imported count until it is n (bounded by t0 + timeoutMs) and records the time from t0. */
async function pollImported(b: BirdInstance, n: number, t0: number, timeoutMs: number, fig: OriginateFigures): Promise<void> {
  const r = await pollUntil(async () => birdImported(b, 'bench', 'ipv4'), n, IMPORT_POLL_MS, t0 + timeoutMs)
  fig.timedOut = r.timedOut
  fig.count = r.count
  fig.seconds = (r.t - t0) / 1000
  fig.plusMinus = r.halfWidthMs / 1000
}

/**
 * tsbgp-live: BIRD-B Established (bounded), then the child's announce() stamp is t0; polls BIRD-B until it
 * holds n (from before the child can be done: it announces SETTLE_MS after its End-of-RIB). Returns t0.
 */
async function measureLive(b: BirdInstance, c: JsonChild, n: number, timeoutMs: number, fig: OriginateFigures): Promise<number> {
  const deadlineUp = monoMs() + 30_000
  while ((await b.protocol('bench'))?.bgpState !== 'Established') {
    if (monoMs() > deadlineUp) throw new Error(`BIRD-B: session not Established within 30 s; log:\n${b.proc.tail(5)}`)
    await sleep(IMPORT_POLL_MS)
  }
  const before = await birdImported(b, 'bench', 'ipv4')
  if (before !== 0) throw new Error(`BIRD-B holds ${before} routes before announce()`)
  const t0 = Number((await c.waitEvent('announce', 30_000)).t)
  await pollImported(b, n, t0, timeoutMs, fig)
  return t0
}

async function runTsbgp(kind: 'tsbgp' | 'tsbgp-live' | 'tsbgp-layers', n: number, timeoutMs: number): Promise<OriginateFigures> {
  const fig: OriginateFigures = { sender: kind, n, timedOut: false, count: 0, seconds: 0, plusMinus: 0 }
  const registry = new CleanupRegistry('bench-originate-tsbgp')
  let b: BirdInstance | undefined
  let c: JsonChild | undefined
  try {
    const port = await freeTcpPort(RECEIVER_ADDRESS)
    b = await BirdInstance.start({ name: 'originate-b', registry, config: receiverConfig(port) })
    const args = ['--connect', `${RECEIVER_ADDRESS}:${port}`, '--local', SENDER_ADDRESS, '--as', String(SENDER_AS), '--peer-as', String(RECEIVER_AS), '--count', String(n)]
    const nodeArgs = (process.env.ORIGINATE_NODE_ARGS ?? '').split(' ').filter((x) => x !== '')
    const mode = kind === 'tsbgp' ? ['--speaker', 'before'] : kind === 'tsbgp-live' ? ['--speaker', 'live'] : []
    c = new JsonChild('tsbgp-originator', [...args, ...mode], registry, nodeArgs)
    await c.waitEvent('started', 60_000)
    let t0: number
    if (kind === 'tsbgp-live') {
      t0 = await measureLive(b, c, n, timeoutMs, fig)
    } else {
      t0 = await measureOnReceiver(b, n, timeoutMs, fig)
    }
    // live: the child's 'sent' (advertised counter at N) may come a poll after BIRD's count; bounded wait.
    if (kind === 'tsbgp-live') await c.waitEvent('sent', 5000).catch(() => undefined)
    const est = c.find('established')
    if (est !== undefined) fig.skewMs = Number(est.t) - t0
    const packed = c.find('packed')
    const sent = c.find('sent')
    if (packed !== undefined) fig.packMs = Number(packed.ms)
    const announced = c.find('announced')
    if (announced !== undefined) fig.announceMs = Number(announced.ms)
    if (est !== undefined && sent !== undefined) fig.sentSeconds = (Number(sent.t) - (kind === 'tsbgp-live' ? t0 : Number(est.t))) / 1000
    fig.senderRssKb = vmRssKb(c.pid)
  } catch (e) {
    fig.error = (e as Error).message.split('\n')[0]
  } finally {
    if (c !== undefined) await c.stop().catch(() => {})
    if (b !== undefined) await b.stop().catch(() => {})
    await registry.runAll()
  }
  return fig
}

async function runBird(n: number, timeoutMs: number): Promise<OriginateFigures> {
  const fig: OriginateFigures = { sender: 'bird', n, timedOut: false, count: 0, seconds: 0, plusMinus: 0 }
  const registry = new CleanupRegistry('bench-originate-bird')
  let a: BirdInstance | undefined
  let b: BirdInstance | undefined
  try {
    const portB = await freeTcpPort(RECEIVER_ADDRESS)
    const portA = await freeTcpPort(SENDER_ADDRESS)
    b = await BirdInstance.start({ name: 'originate-b', registry, config: receiverConfig(portB) })
    const s0 = monoMs()
    const staticRoutes = new Array(n)
    for (let i = 0; i < n; i++) staticRoutes[i] = { prefix: benchPrefixText('ipv4', i) }
    const configA = birdBenchConfig(portA, {
      passive: false,
      neighborAs: RECEIVER_AS,
      neighborAddress: RECEIVER_ADDRESS,
      neighborPort: portB,
      localAs: SENDER_AS,
      localAddress: SENDER_ADDRESS,
      routerId: SENDER_ADDRESS,
      export: 'all',
      protocolExtra: ['disabled;'],
      staticRoutes,
    })
    a = await BirdInstance.start({ name: 'originate-a', registry, config: configA })
    const sa = a
    await pollUntil(async () => (await sa.protocol('static4'))?.imported ?? -1, n, 200, monoMs() + 120_000)
    fig.setupSeconds = (monoMs() - s0) / 1000
    await a.enable('bench')
    await measureOnReceiver(b, n, timeoutMs, fig)
  } catch (e) {
    fig.error = (e as Error).message.split('\n')[0]
  } finally {
    if (a !== undefined) await a.stop().catch(() => {})
    if (b !== undefined) await b.stop().catch(() => {})
    await registry.runAll()
  }
  return fig
}

export async function runOriginate(
  n = 1_000_000,
  senders: readonly OriginateSender[] = ['tsbgp', 'tsbgp-live', 'tsbgp-layers', 'bird'],
  repeat = 2,
  timeoutMs = 60_000,
  log: (l: string) => void = (l) => console.log(l),
): Promise<OriginateFigures[]> {
  const missing = await missingCommands(['bird', 'birdc'])
  if (missing.length > 0) {
    log(`skipped: not installed: ${missing.join(', ')} (apt-get install bird2)`)
    return []
  }
  log(`IPv4 /24 x ${n.toLocaleString('en')}, one attribute set, to BIRD over loopback; until BIRD's imported counter is N (20 ms polls); fastest of ${repeat} interleaved runs`)
  log(`  clock from BIRD's Established (routes configured before): tsbgp (Speaker), tsbgp-layers, BIRD; from the announce() call with the session up: tsbgp-live (Speaker)`)
  const runs = new Map<OriginateSender, OriginateFigures[]>()
  for (let r = 0; r < repeat; r++) {
    for (const kind of senders) {
      const f = kind === 'bird' ? await runBird(n, timeoutMs) : await runTsbgp(kind, n, timeoutMs)
      runs.set(kind, [...(runs.get(kind) ?? []), f])
    }
  }
  const out: OriginateFigures[] = []
  for (const kind of senders) {
    const all = runs.get(kind)!
    const ok = all.filter((f) => f.error === undefined && !f.timedOut)
    const best = ok.length > 0 ? ok.reduce((a, b) => (b.seconds < a.seconds ? b : a)) : all[0]!
    out.push(best)
    const times = all.length > 1 ? ` (runs: ${all.map((f) => (f.error !== undefined ? 'error' : f.timedOut ? 'timeout' : f.seconds.toFixed(3))).join(', ')} s)` : ''
    log(formatOriginate(best) + times)
  }
  const bird = out.find((f) => f.sender === 'bird')
  for (const ts of out) {
    if (ts.sender === 'bird' || ts.error !== undefined || ts.timedOut) continue
    // Issue 4: at most 1 s for 1M; scaled linearly for other N.
    const limit = n / 1_000_000
    const ratio = bird === undefined || bird.error !== undefined || bird.timedOut ? 'n/a' : `${(ts.seconds / bird.seconds).toFixed(2)}x`
    const clock = ts.sender === 'tsbgp-live' ? ' (clock from the announce() call, BIRD from Established)' : ''
    log(`  ${ts.sender}: ${ts.seconds.toFixed(3)} s (target <= ${limit.toFixed(limit < 1 ? 2 : 0)} s: ${ts.seconds <= limit ? 'met' : 'NOT met'}); ratio ${ts.sender}/BIRD-as-sender ${ratio}${clock}`)
  }
  return out
}

export function formatOriginate(f: OriginateFigures): string {
  const name = `${f.sender === 'bird' ? 'BIRD' : f.sender} -> BIRD`.padEnd(20)
  if (f.error !== undefined) return `  ${name} error: ${f.error}`
  const time = f.timedOut ? `TIMEOUT at ${f.seconds.toFixed(1)} s with ${f.count.toLocaleString('en')}` : `${f.seconds.toFixed(3)} s ±${(f.plusMinus * 1000).toFixed(0)} ms`
  const rate = f.count > 0 && f.seconds > 0 ? `, ${(f.count / f.seconds / 1e6).toFixed(2)} M routes/s` : ''
  const num = (x: number | undefined, digits: number): string => (x === undefined ? '?' : x.toFixed(digits))
  const rss = `process RSS ${((f.senderRssKb ?? 0) / 1024).toFixed(0)} MB`
  const tail = `${num(f.sentSeconds, 3)} s after Established; ${rss}; its Established ${num(f.skewMs, 0)} ms after BIRD's]`
  const extra =
    f.sender === 'tsbgp-layers'
      ? ` [packing at Established ${num(f.packMs, 0)} ms, last UPDATE written ${tail}`
      : f.sender === 'tsbgp'
        ? ` [announce() before start ${num(f.announceMs, 0)} ms, not counted; End-of-RIB written ${tail}`
        : f.sender === 'tsbgp-live'
          ? ` [from the announce() call: it returned after ${num(f.announceMs, 0)} ms, all written ${num(f.sentSeconds, 3)} s; ${rss}]`
          : ` [BIRD-A static load ${f.setupSeconds?.toFixed(1) ?? '?'} s, not counted]`
  return `  ${name} ${time}${rate}${extra}`
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const senders = (process.argv[3]?.split(',') ?? ['tsbgp', 'tsbgp-live', 'tsbgp-layers', 'bird']) as OriginateSender[]
  runOriginate(Number(process.argv[2] ?? 1_000_000), senders, Number(process.argv[4] ?? 2)).catch((e) => {
    console.error(e)
    process.exitCode = 1
  })
}

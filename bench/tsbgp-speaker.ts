/**
 * tsbgp's product object, Speaker (src/speaker), as the benchmark's receiver or originator: the honest
 * measurement of what a user gets (session + inbound path + RIBs + outbound path, default options).
 * The lower-layer drivers (tsbgp-receiver.ts, tsbgp-originator.ts) measure the layers without it.
 *
 *   --role receive:   listen on HOST:PORT, one passive peer; done when the peer's `best` counter (prefixes
 *                     whose Loc-RIB best path comes from it; one peer = the Loc-RIB size) reaches N,
 *                     checked on End-of-RIB and every 2 ms in between (timer resolution: a few ms,
 *                     the Transport yields every 1000 messages). --keep-pre-policy false: the
 *                     Speaker's option (default true) not to keep a pre-policy Adj-RIB-In.
 *   --role originate: announce() N prefixes before start() (configuration, not timed), then dial the
 *                     peer; the Speaker packs and sends its Adj-RIB-Out at Established.
 *
 * stdout JSON lines as tsbgp-receiver.ts / tsbgp-originator.ts (CLOCK_MONOTONIC ms). Runs compiled.
 */
import { parseArgs } from 'node:util'
import { Speaker } from '../src/speaker/speaker.js'
import { benchPrefixText, monoMs, vmRssKb, type BenchFamily } from './sender.js'

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n')
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':')
  return { host: s.slice(0, i), port: Number(s.slice(i + 1)) }
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      role: { type: 'string', default: 'receive' },
      listen: { type: 'string' },
      connect: { type: 'string' },
      local: { type: 'string' },
      peer: { type: 'string', default: '127.0.0.2' },
      as: { type: 'string', default: '65002' },
      'peer-as': { type: 'string', default: '65001' },
      'router-id': { type: 'string', default: '127.0.0.3' },
      family: { type: 'string', default: 'ipv4' },
      count: { type: 'string', default: '1000000' },
      'keep-pre-policy': { type: 'string' },
    },
  })
  const family: BenchFamily = v.family === 'ipv6' ? 'ipv6' : 'ipv4'
  const n = Number(v.count)
  const localAs = Number(v.as)
  const peerAs = Number(v['peer-as'])
  let speaker: Speaker

  if (v.role === 'receive') {
    const l = hostPort(v.listen ?? '127.0.0.3:1179')
    speaker = new Speaker({ routerId: v['router-id']!, localAs, listen: { address: l.host, port: l.port } })
    const keep = v['keep-pre-policy']
    await speaker.addPeer({ address: v.peer!, remoteAs: peerAs, passive: true, families: ['ipv4', 'ipv6'], ...(keep === undefined ? {} : { keepPrePolicy: keep === 'true' }) })
    let done = false
    let timer: NodeJS.Timeout | null = null
    // CPU time of the process from Established to done (a second figure, less disturbed by a busy machine).
    let cpu0: NodeJS.CpuUsage | null = null
    const check = (): void => {
      if (done) return
      const row = speaker.peers()[0]
      const best = (row?.families.ipv4?.best ?? 0) + (row?.families.ipv6?.best ?? 0)
      if (best < n) return
      done = true
      if (timer !== null) clearInterval(timer)
      const t = monoMs()
      const c = process.cpuUsage(cpu0 ?? undefined)
      const m = process.memoryUsage()
      emit({ event: 'done', t, count: best, rssKb: vmRssKb(), heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, cpuMs: (c.user + c.system) / 1000, upMs: performance.now() })
    }
    speaker.on('peerStateChange', (e) => {
      if (e.to === 'Established') {
        cpu0 = process.cpuUsage()
        // upMs: time since the process started, as --trace-gc stamps its lines.
        emit({ event: 'established', t: monoMs(), upMs: performance.now() })
        timer = setInterval(check, 2)
      } else if (e.from === 'Established') emit({ event: 'down', reason: e.reason })
    })
    speaker.on('endOfRib', (e) => {
      if (e.direction === 'received') check()
    })
    speaker.on('error', (e) => emit({ event: 'warning', message: String((e as { message?: string }).message ?? e) }))
    await speaker.start()
    emit({ event: 'listening', port: speaker.listenAddress?.port ?? l.port, rssKb: vmRssKb() })
  } else {
    if (v.connect === undefined) throw new Error('--connect HOST:PORT')
    const c = hostPort(v.connect)
    const local = v.local ?? '127.0.0.2'
    speaker = new Speaker({ routerId: local, localAs, listen: false })
    const prefixes: string[] = new Array(n)
    for (let i = 0; i < n; i++) prefixes[i] = benchPrefixText(family, i)
    const a0 = monoMs()
    speaker.announce(prefixes)
    emit({ event: 'announced', ms: monoMs() - a0, rssKb: vmRssKb() })
    await speaker.addPeer({ address: c.host, port: c.port, remoteAs: peerAs, localAddress: local, connectRetry: 1, families: [family] })
    speaker.on('peerStateChange', (e) => {
      if (e.to === 'Established') emit({ event: 'established', t: monoMs() })
      else if (e.from === 'Established') emit({ event: 'down', reason: e.reason })
    })
    speaker.on('endOfRib', (e) => {
      if (e.direction === 'sent') emit({ event: 'sent', t: monoMs() })
    })
    speaker.on('error', (e) => emit({ event: 'warning', message: String((e as { message?: string }).message ?? e) }))
    await speaker.start()
    emit({ event: 'started', prefixes: n })
  }

  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', resolve).resume()
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  await speaker.close()
  process.exit(0)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    emit({ event: 'error', message: e.stack ?? e.message })
    process.exit(1)
  })
}

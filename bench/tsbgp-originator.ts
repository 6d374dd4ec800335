/**
 * tsbgp originating N prefixes to one peer (the reverse direction of issue 4's benchmark), built from
 * the lower layers: an active Peer (src/session) and packUpdates (src/wire). The routes exist before
 * the session (as configured routes would); the UPDATEs are packed at Established with the session's
 * negotiated txContext, as a speaker must, so packing time is part of the measurement. They are sent
 * through Peer.sendUpdates in batches, pausing while the transport is above its high-water mark
 * (Peer 'drain' resumes), then End-of-RIB. Runs compiled (.bench-build), in its own process.
 *
 * stdout JSON lines (CLOCK_MONOTONIC ms): {"event":"established","t"} {"event":"packed","t","ms","messages"}
 * {"event":"sent","t"}. Stops on SIGTERM/SIGINT or when stdin closes.
 *
 * --speaker before|live: the product instead, a Speaker (src/speaker) with default options, announce() of the
 * N prefixes as text (what a user passes):
 *   before: announce() before start() (configuration; {"event":"announced","ms"}), then the session; the
 *           Speaker packs and sends its Adj-RIB-Out at Established ({"event":"sent","t"}: End-of-RIB written).
 *   live:   start(), Established, End-of-RIB of the empty table written, then SETTLE_MS later
 *           {"event":"announce","t"} and announce() of all N with the session up ({"event":"announced","ms"},
 *           the call's duration); {"event":"sent","t"} once the peer's advertised counter is N (2 ms timer).
 */
import { parseArgs } from 'node:util'
import { Peer } from '../src/session/peer.js'
import { Speaker } from '../src/speaker/speaker.js'
import type { PathAttributes } from '../src/wire/types.js'
import { endOfRib, packUpdates } from '../src/wire/update-packer.js'
import { benchPrefixText, benchTable, monoMs, vmRssKb, type BenchFamily } from './sender.js'

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n')
}

/** Messages per sendUpdates call: 64 x 4096 octets stays far below the transport's hard limit. */
const BATCH = 64
/** live: quiet time between our End-of-RIB and announce(), so the receiver has settled and is being polled. */
const SETTLE_MS = 500

async function runSpeaker(mode: 'before' | 'live', o: { host: string; port: number; local: string; localAs: number; peerAs: number; family: BenchFamily; n: number }): Promise<Speaker> {
  const speaker = new Speaker({ routerId: o.local, localAs: o.localAs, listen: false })
  const prefixes: string[] = new Array(o.n)
  for (let i = 0; i < o.n; i++) prefixes[i] = benchPrefixText(o.family, i)
  const announce = (): void => {
    const a0 = monoMs()
    speaker.announce(prefixes)
    emit({ event: 'announced', ms: monoMs() - a0, rssKb: vmRssKb() })
  }
  if (mode === 'before') announce()
  await speaker.addPeer({ address: o.host, port: o.port, remoteAs: o.peerAs, localAddress: o.local, connectRetry: 1, families: [o.family] })
  let timer: NodeJS.Timeout | null = null
  speaker.on('peerStateChange', (e) => {
    if (e.to === 'Established') emit({ event: 'established', t: monoMs() })
    else if (e.from === 'Established') {
      if (timer !== null) clearInterval(timer)
      emit({ event: 'down', reason: e.reason })
    }
  })
  let announced = false
  speaker.on('endOfRib', (e) => {
    if (e.direction !== 'sent') return
    if (mode === 'before') return emit({ event: 'sent', t: monoMs() })
    if (announced) return
    announced = true
    setTimeout(() => {
      emit({ event: 'announce', t: monoMs() })
      announce()
      // Bounded by the session: the timer stops when it goes down, or at the count.
      timer = setInterval(() => {
        const f = speaker.peers()[0]?.families[o.family]
        if ((f?.advertised ?? 0) < o.n) return
        clearInterval(timer!)
        timer = null
        emit({ event: 'sent', t: monoMs() })
      }, 2)
    }, SETTLE_MS)
  })
  speaker.on('error', (e) => emit({ event: 'warning', message: String((e as { message?: string }).message ?? e) }))
  await speaker.start()
  return speaker
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      connect: { type: 'string' },
      local: { type: 'string', default: '127.0.0.2' },
      as: { type: 'string', default: '65001' },
      'peer-as': { type: 'string', default: '65002' },
      family: { type: 'string', default: 'ipv4' },
      count: { type: 'string', default: '1000000' },
      speaker: { type: 'string' },
    },
  })
  if (v.connect === undefined) throw new Error('--connect HOST:PORT')
  const i = v.connect.lastIndexOf(':')
  const family: BenchFamily = v.family === 'ipv6' ? 'ipv6' : 'ipv4'
  const afi = family === 'ipv4' ? 1 : 2
  const localAs = Number(v.as)
  const n = Number(v.count)
  if (v.speaker !== undefined) {
    if (v.speaker !== 'before' && v.speaker !== 'live') throw new Error('--speaker before|live')
    const speaker = await runSpeaker(v.speaker, { host: v.connect.slice(0, i), port: Number(v.connect.slice(i + 1)), local: v.local!, localAs, peerAs: Number(v['peer-as']), family, n })
    emit({ event: 'started', prefixes: n })
    await stopped()
    await speaker.close()
    process.exit(0)
  }
  // What BIRD's static protocol sends in the BIRD -> BIRD comparison: ORIGIN, AS_PATH [us], NEXT_HOP us.
  const table = benchTable(family, n)
  const attributes: PathAttributes = { origin: 0, asPath: [{ type: 2, asns: [localAs] }] }
  if (family === 'ipv4') attributes.nextHop = v.local!
  else attributes.mpReach = { afi: 2, safi: 1, nextHop: ['2001:db8::2'], nlri: { afi: 2, keys: [], pathIds: null } }

  const peer = new Peer({
    session: { localAs, remoteAs: Number(v['peer-as']), bgpId: v.local!, connectRetrySec: 1, capabilities: { families: [[1, 1], [2, 1]] } },
    remoteAddress: v.connect.slice(0, i),
    remotePort: Number(v.connect.slice(i + 1)),
    localAddress: v.local,
  })
  let msgs: Buffer[] = []
  let next = 0
  let sending = false
  const pump = (): void => {
    if (!sending) return
    while (next < msgs.length) {
      const end = Math.min(msgs.length, next + BATCH)
      const ok = peer.sendUpdates(msgs.slice(next, end))
      next = end
      if (!ok) return // resumed by 'drain'
    }
    sending = false
    peer.sendUpdates([endOfRib(afi, 1)])
    emit({ event: 'sent', t: monoMs() })
  }
  peer.on('drain', pump)
  peer.on('established', (session) => {
    const t = monoMs()
    emit({ event: 'established', t })
    msgs = packUpdates({ attributes, announce: table }, session.txContext)
    const tp = monoMs()
    emit({ event: 'packed', t: tp, ms: tp - t, messages: msgs.length })
    next = 0
    sending = true
    pump()
  })
  peer.on('stateChange', (c) => {
    if (c.from === 'Established') {
      sending = false
      emit({ event: 'down', reason: c.reason })
    }
  })
  peer.on('warning', (m) => emit({ event: 'warning', message: m }))
  peer.on('error', (e) => emit({ event: 'warning', message: e.message }))
  await peer.start()
  emit({ event: 'started', prefixes: n })
  await stopped()
  await peer.close()
  process.exit(0)
}

/** stdin closed, SIGTERM or SIGINT. */
function stopped(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', resolve).resume()
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    emit({ event: 'error', message: e.stack ?? e.message })
    process.exit(1)
  })
}

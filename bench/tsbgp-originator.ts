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
 */
import { parseArgs } from 'node:util'
import { Peer } from '../src/session/peer.js'
import type { PathAttributes } from '../src/wire/types.js'
import { endOfRib, packUpdates } from '../src/wire/update-packer.js'
import { benchTable, monoMs, type BenchFamily } from './sender.js'

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n')
}

/** Messages per sendUpdates call: 64 x 4096 octets stays far below the transport's hard limit. */
const BATCH = 64

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      connect: { type: 'string' },
      local: { type: 'string', default: '127.0.0.2' },
      as: { type: 'string', default: '65001' },
      'peer-as': { type: 'string', default: '65002' },
      family: { type: 'string', default: 'ipv4' },
      count: { type: 'string', default: '1000000' },
    },
  })
  if (v.connect === undefined) throw new Error('--connect HOST:PORT')
  const i = v.connect.lastIndexOf(':')
  const family: BenchFamily = v.family === 'ipv6' ? 'ipv6' : 'ipv4'
  const afi = family === 'ipv4' ? 1 : 2
  const localAs = Number(v.as)
  const n = Number(v.count)
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
  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', resolve).resume()
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  await peer.close()
  process.exit(0)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    emit({ event: 'error', message: e.stack ?? e.message })
    process.exit(1)
  })
}

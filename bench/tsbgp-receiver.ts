/**
 * tsbgp as the receiver of the ingestion benchmark, built from the lower layers (no Speaker yet):
 * BgpListener + a passive Peer (src/session) feeding one Adj-RIB-In and the Loc-RIB per family
 * (src/rib), driven the way bench/rib-ingest.ts drives them, but from decoded UPDATEs off the socket.
 * Runs compiled (.bench-build), never under ts-node, in its own process so its RSS is its own.
 *
 *   socket -> Transport (framing, decode) -> FSM -> 'update' -> intern attributes (once per UPDATE)
 *          -> AdjRibIn.update(key) -> LocRib.updatePrefix(key)      (per prefix)
 *
 * stdout, one JSON line each (times: CLOCK_MONOTONIC ms, as bench/sender.ts):
 *   {"event":"listening","port"}  {"event":"established","t"}  {"event":"done","t","count","rssKb","heapUsed"}
 * Stops on SIGTERM/SIGINT or when stdin closes.
 */
import { parseArgs } from 'node:util'
import { AdjRibIn, type PrefixKey } from '../src/rib/adj-rib-in.js'
import { AttrSetTable } from '../src/rib/attr-set.js'
import { LocRib } from '../src/rib/loc-rib.js'
import { makePeerInfo } from '../src/rib/path.js'
import { BgpListener } from '../src/session/listener.js'
import { Peer } from '../src/session/peer.js'
import type { NlriList } from '../src/wire/prefix.js'
import type { PathAttributes, Update } from '../src/wire/types.js'
import { monoMs, vmRssKb } from './sender.js'

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n')
}

const EMPTY_V4: NlriList = Object.freeze({ afi: 1, keys: [], pathIds: null }) as NlriList
const EMPTY_V6: NlriList = Object.freeze({ afi: 2, keys: [], pathIds: null }) as NlriList

interface FamilyRib {
  adj: AdjRibIn<PrefixKey>
  loc: LocRib<PrefixKey>
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.3:1179' },
      peer: { type: 'string', default: '127.0.0.2' },
      as: { type: 'string', default: '65002' },
      'peer-as': { type: 'string', default: '65001' },
      'router-id': { type: 'string', default: '127.0.0.3' },
      count: { type: 'string', default: '1000000' },
      'size-hint': { type: 'string', default: '0' },
    },
  })
  const [host, portText] = [v.listen!.slice(0, v.listen!.lastIndexOf(':')), v.listen!.slice(v.listen!.lastIndexOf(':') + 1)]
  const target = Number(v.count)
  const sizeHint = Number(v['size-hint'])
  const localAs = Number(v.as)
  const peerAs = Number(v['peer-as'])

  const table = new AttrSetTable()
  const info = makePeerInfo({ peerId: 1, peerAddress: v.peer!, peerBgpId: v.peer!, peerAs, ebgp: peerAs !== localAs })
  const fam = (afi: 1 | 2): FamilyRib => {
    const adj = new AdjRibIn<PrefixKey>(info, table, { afi, safi: 1, sizeHint })
    const loc = new LocRib<PrefixKey>(table, { afi, safi: 1, sizeHint })
    loc.addSource(adj)
    return { adj, loc }
  }
  const ribs = { 1: fam(1), 2: fam(2) }
  let done = false

  const apply = (rib: FamilyRib, attrs: PathAttributes | null, announce: NlriList, withdraw: NlriList): void => {
    const keys = withdraw.keys as PrefixKey[]
    for (let i = 0; i < keys.length; i++) if (rib.adj.withdraw(keys[i]!)) rib.loc.updatePrefix(keys[i]!)
    if (attrs === null || announce.keys.length === 0) return
    const set = table.intern(attrs)
    const ak = announce.keys as PrefixKey[]
    for (let i = 0; i < ak.length; i++) if (rib.adj.update(ak[i]!, set)) rib.loc.updatePrefix(ak[i]!)
    table.release(set)
  }

  const onUpdate = (u: Update): void => {
    const a = u.attributes
    // The set is interned without the NLRI carried in MP_REACH/MP_UNREACH: those differ per UPDATE.
    const mp = a.mpReach
    const mpu = a.mpUnreach
    const shared: PathAttributes =
      mp === undefined && mpu === undefined
        ? a
        : { ...a, mpReach: mp === undefined ? undefined : { ...mp, nlri: mp.afi === 2 ? EMPTY_V6 : EMPTY_V4 }, mpUnreach: undefined }
    apply(ribs[1], u.nlri.keys.length > 0 ? shared : null, u.nlri, u.withdrawn)
    if (mp !== undefined && mp.safi === 1 && (mp.afi === 1 || mp.afi === 2) && 'keys' in mp.nlri) apply(ribs[mp.afi], shared, mp.nlri, mp.afi === 2 ? EMPTY_V6 : EMPTY_V4)
    if (mpu !== undefined && mpu.safi === 1 && (mpu.afi === 1 || mpu.afi === 2) && 'keys' in mpu.withdrawn) apply(ribs[mpu.afi], null, mpu.afi === 2 ? EMPTY_V6 : EMPTY_V4, mpu.withdrawn)
    if (!done && ribs[1].loc.size + ribs[2].loc.size >= target) {
      done = true
      const t = monoMs()
      const m = process.memoryUsage()
      emit({ event: 'done', t, count: ribs[1].loc.size + ribs[2].loc.size, rssKb: vmRssKb(), heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, attrSets: table.size })
    }
  }

  const listener = new BgpListener({ host, port: Number(portText) })
  const peer = new Peer({
    session: { localAs, remoteAs: peerAs, bgpId: v['router-id']!, passive: true, capabilities: { families: [[1, 1], [2, 1]] } },
    remoteAddress: v.peer!,
  })
  peer.on('established', () => emit({ event: 'established', t: monoMs() }))
  peer.on('update', onUpdate)
  peer.on('stateChange', (c) => {
    if (c.from === 'Established') emit({ event: 'down', reason: c.reason })
  })
  peer.on('warning', (m) => emit({ event: 'warning', message: m }))
  peer.on('error', (e) => emit({ event: 'warning', message: e.message }))
  await listener.addPeer(peer)
  const addr = await listener.listen()
  await peer.start()
  emit({ event: 'listening', port: addr.port, rssKb: vmRssKb() })

  await new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', resolve).resume()
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  await peer.close()
  await listener.close()
  process.exit(0)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    emit({ event: 'error', message: e.stack ?? e.message })
    process.exit(1)
  })
}

/**
 * RIB ingest: 1,000,000 IPv4 /24s from one peer, ~1000 distinct attribute sets, into Adj-RIB-In + Loc-RIB.
 * Reports time and heap/RSS growth per route. Needs --expose-gc for stable figures:
 *   npx tsc -p tsconfig.bench.json && node --expose-gc .bench-build/bench/rib-ingest.js
 * Prefixes arrive in batches of 100 (one UPDATE each): the batch's attributes are interned once (canonical
 * key, the slow path), every prefix goes into the Adj-RIB-In, then the Loc-RIB re-decides it.
 */
import { AttrSetTable } from '../src/rib/attr-set.js'
import { AdjRibIn } from '../src/rib/adj-rib-in.js'
import { LocRib } from '../src/rib/loc-rib.js'
import { makePeerInfo } from '../src/rib/path.js'
import type { PathAttributes } from '../src/wire/types.js'

const ROUTES = Number(process.argv[2] ?? 1_000_000)
const SETS = 1000
const BATCH = 100

const gc = (globalThis as { gc?: () => void }).gc ?? (() => {})

function attrsFor(i: number): PathAttributes {
  return {
    origin: 0,
    asPath: [{ type: 2, asns: [64500, 64600 + (i % 97), 65000 + i] }],
    nextHop: '192.0.2.1',
    med: i % 7,
    communities: [(64500 << 16) | (i % 13)],
  }
}

export function runRibIngest(routes = ROUTES, sizeHint = 0, decide = false): { seconds: number; cpuSeconds: number; heapPerRoute: number; rssPerRoute: number; changes: number } {
  const attrs: PathAttributes[] = []
  for (let i = 0; i < SETS; i++) attrs.push(attrsFor(i))
  gc()
  gc()
  const m0 = process.memoryUsage()
  const c0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const table = new AttrSetTable()
  const peer = makePeerInfo({ peerId: 1, peerAddress: '192.0.2.1', peerBgpId: '192.0.2.1', peerAs: 64500, ebgp: true })
  const adj = new AdjRibIn<number>(peer, table, { afi: 1, safi: 1, sizeHint })
  const loc = new LocRib<number>(table, { afi: 1, safi: 1, sizeHint })
  loc.addSource(adj)
  let changes = 0
  for (let i = 0; i < routes; i += BATCH) {
    const set = table.intern(attrs[(i / BATCH) % SETS]!)
    // A decoded UPDATE's key list: fresh numbers, as the NLRI decoder makes them.
    const keys: number[] = []
    const n = Math.min(BATCH, routes - i)
    for (let j = 0; j < n; j++) keys.push((0x01000000 + (i + j) * 256) * 64 + 24)
    for (let j = 0; j < n; j++) adj.update(keys[j]!, set)
    for (let j = 0; j < n; j++) if (decide ? loc.decide(keys[j]!) : loc.updatePrefix(keys[j]!) !== null) changes++
    table.release(set)
  }
  const t1 = process.hrtime.bigint()
  const c1 = process.cpuUsage(c0)
  gc()
  gc()
  const m1 = process.memoryUsage()
  if (adj.count !== routes || loc.size !== routes) throw new Error(`count ${adj.count} / ${loc.size}`)
  return {
    seconds: Number(t1 - t0) / 1e9,
    cpuSeconds: (c1.user + c1.system) / 1e6,
    // Typed arrays live outside the JS heap: count them with it.
    heapPerRoute: (m1.heapUsed + m1.arrayBuffers - m0.heapUsed - m0.arrayBuffers) / routes,
    rssPerRoute: (m1.rss - m0.rss) / routes,
    changes,
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  // Fresh tables each run; RSS growth is only meaningful for the first run of the process.
  // decide: LocRib.decide() (no change records, as the Speaker without best-path listeners) or updatePrefix().
  for (const [hint, decide] of [[0, false], [0, true], [ROUTES, true]] as const) {
    const r = runRibIngest(ROUTES, hint, decide)
    console.log(
      `rib ingest (sizeHint ${hint}, ${decide ? 'decide' : 'updatePrefix'}): ${ROUTES} /24s, ${SETS} attribute sets: ${r.seconds.toFixed(3)} s wall, ${r.cpuSeconds.toFixed(3)} s CPU ` +
        `(${(ROUTES / r.seconds / 1e6).toFixed(2)} M prefixes/s), heap+buffers +${r.heapPerRoute.toFixed(1)} B/route, ` +
        `RSS +${r.rssPerRoute.toFixed(1)} B/route, ${r.changes} Loc-RIB changes`,
    )
  }
}

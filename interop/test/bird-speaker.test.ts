// The library Speaker against BIRD 2 on loopback (127.0.0.2 tsbgp <-> 127.0.0.3 BIRD, unprivileged
// random ports; BIRD driver interop/lab/bird.ts startBirdOnLoopback, `multihop` sessions, see
// .notes/LAB.md): tsbgp announces → BIRD installs the route with our MED; an export policy change (MED)
// reaches BIRD within a second without a session reset; BIRD's static route is learned by tsbgp.
// BIRD is killed by PID in teardown (CleanupRegistry), every wait is bounded. Needs bird/birdc on PATH
// (not root): missing ones fail the test with the list.
import t from 'tap'
import { CleanupRegistry } from '../lab/cleanup.js'
import { startBirdOnLoopback } from '../lab/bird.js'
import { missingCommands } from '../lab/proc.js'
import { Speaker } from '../../src/speaker/speaker.js'
import type { PeerStateChangeEvent } from '../../src/speaker/events.js'
import { freePort } from '../../test/session/live-helpers.js'
import { waitFor } from '../../test/speaker/helpers.js'

const TS = { addr: '127.0.0.2', as: 65001, id: '10.0.0.2' }
const BIRD = { addr: '127.0.0.3', as: 65002, id: '10.0.0.3' }
const BIRD_ROUTE = '203.0.113.0/24'
const OUR_ROUTE = '192.0.2.0/24'

t.test('Speaker <-> BIRD: announce with MED, MED change without reset, BIRD route learned', async (t) => {
  const missing = await missingCommands(['bird', 'birdc'])
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')} (apt-get install -y bird2)`)
  const reg = new CleanupRegistry('bird-speaker')
  const speaker = new Speaker({ routerId: TS.id, localAs: TS.as, listen: { address: TS.addr, port: 0 } })
  t.teardown(async () => {
    await speaker.close()
    const errors = await reg.runAll()
    if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('; '))
  })
  await speaker.start()
  const tsPort = speaker.listenAddress!.port
  let birdPort = await freePort('0.0.0.0')
  while (birdPort === tsPort) birdPort = await freePort('0.0.0.0')
  const bird = await startBirdOnLoopback({
    name: 'spk',
    registry: reg,
    routerId: BIRD.id,
    localAs: BIRD.as,
    localAddress: BIRD.addr,
    localPort: birdPort,
    neighbors: [{ name: 'tsbgp', address: TS.addr, port: tsPort, as: TS.as, passive: true, holdTime: 9, ipv4: { import: 'all', export: 'all' } }],
    staticRoutes: [{ prefix: BIRD_ROUTE }],
  })
  await speaker.addPeer({ address: BIRD.addr, remoteAs: BIRD.as, port: birdPort, localAddress: TS.addr, holdTime: 9, connectRetry: 1 })
  speaker.announce(OUR_ROUTE, { med: 50, communities: ['65001:7'] })

  await bird.waitEstablished(['tsbgp'], 15_000)
  const paths = await bird.waitRoute('192.0.2.1', (p) => p.some((x) => x.protocol === 'tsbgp' && x.med === 50), 10_000)
  const ours = paths.find((x) => x.protocol === 'tsbgp')!
  t.equal(ours.med, 50, 'BIRD has our route with MED 50')
  t.same(ours.asPath, [TS.as], 'AS path: our AS')
  t.same(ours.communities, [[65001, 7]], 'community 65001:7')
  t.equal(ours.nextHop, TS.addr, 'next hop self = the session local address')

  const learned = await waitFor('BIRD route at tsbgp', () => speaker.bestPath(BIRD_ROUTE), 10_000)
  t.equal(learned.attributes.nextHop, BIRD.addr, "BIRD's route, next hop BIRD")
  t.same(learned.attributes.asPath, [BIRD.as])
  t.equal(learned.peer, BIRD.addr)

  const flaps: PeerStateChangeEvent[] = []
  speaker.on('peerStateChange', (e) => flaps.push(e))
  const t0 = performance.now()
  await speaker.setPolicy(BIRD.addr, {
    export: (r) => {
      r.attributes.med = 200
      return r
    },
  })
  await bird.waitRoute('192.0.2.1', (p) => p.some((x) => x.protocol === 'tsbgp' && x.med === 200), 3000)
  const ms = performance.now() - t0
  t.comment(`MED change observed by BIRD after ${ms.toFixed(0)} ms (birdc polling every 100 ms)`)
  t.ok(ms < 1000, 'MED change visible in BIRD within a second')
  t.same(flaps, [], 'no session reset')
  t.equal((await bird.protocol('tsbgp'))?.bgpState, 'Established')

  speaker.withdraw(OUR_ROUTE)
  await bird.waitRoute('192.0.2.1', (p) => !p.some((x) => x.protocol === 'tsbgp'), 5000)
  t.pass('withdrawal reached BIRD')
})

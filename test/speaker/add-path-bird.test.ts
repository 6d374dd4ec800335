// ADD-PATH send (RFC 7911) from the library Speaker to BIRD 2 on loopback: tsbgp A (127.0.0.21) learns one
// prefix from three in-process eBGP sources (127.0.0.23-25) and sends all three paths to BIRD (127.0.0.22,
// `add paths rx;`); BIRD holds three paths from the one session; a withdrawn source leaves two. BIRD driver:
// interop/lab/bird.ts startBirdOnLoopback (unprivileged random port, `multihop`), killed by PID in teardown
// (CleanupRegistry). Every wait is bounded. Needs bird/birdc on PATH: missing ones fail the test with the list.
import t from 'tap'
import { CleanupRegistry } from '../../interop/lab/cleanup.js'
import { startBirdOnLoopback } from '../../interop/lab/bird.js'
import { missingCommands } from '../../interop/lab/proc.js'
import { freePort } from '../session/live-helpers.js'
import { connect, established, makeNode, waitFor } from './helpers.js'

const BIRD = { addr: '127.0.0.22', as: 65002, id: '10.0.0.22' }
const PREFIX = '203.0.113.0/24'

t.test('BIRD with add paths rx sees every path tsbgp sends', async (t) => {
  const missing = await missingCommands(['bird', 'birdc'])
  if (missing.length > 0) throw new Error(`missing: ${missing.join(', ')} (apt-get install -y bird2)`)
  const reg = new CleanupRegistry('add-path-bird')
  t.teardown(async () => {
    const errors = await reg.runAll()
    if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('; '))
  })
  const a = await makeNode(t, '127.0.0.21', 65001)
  const src = [await makeNode(t, '127.0.0.23', 65011), await makeNode(t, '127.0.0.24', 65012), await makeNode(t, '127.0.0.25', 65013)]
  for (const s of src) await connect(s, a)
  let birdPort = await freePort('0.0.0.0')
  while (birdPort === a.port) birdPort = await freePort('0.0.0.0')
  const bird = await startBirdOnLoopback({
    name: 'addpath',
    registry: reg,
    routerId: BIRD.id,
    localAs: BIRD.as,
    localAddress: BIRD.addr,
    localPort: birdPort,
    neighbors: [{ name: 'tsbgp', address: a.address, port: a.port, as: a.as, passive: true, holdTime: 9, ipv4: { import: 'all', export: 'none', addPaths: 'rx' } }],
  })
  await a.speaker.addPeer({ address: BIRD.addr, remoteAs: BIRD.as, port: birdPort, localAddress: a.address, holdTime: 9, connectRetry: 1, addPath: { ipv4: { send: 'all' } } })
  await bird.waitEstablished(['tsbgp'], 15_000)
  await waitFor('sources Established', () => src.every((s) => established(a, s.address)), 15_000)

  for (const s of src) s.speaker.announce(PREFIX)
  const three = await bird.waitRoute('203.0.113.1', (p) => p.filter((x) => x.protocol === 'tsbgp').length === 3, 10_000)
  t.same(
    three.map((x) => x.asPath.join(' ')).sort(),
    ['65001 65011', '65001 65012', '65001 65013'],
    'BIRD holds three paths from the one tsbgp session (ADD-PATH)',
  )
  t.ok(three.every((x) => x.nextHop === a.address), 'next hop self on every path')
  t.equal([...a.speaker.adjRibOut(BIRD.addr)].length, 3)

  src[1]!.speaker.withdraw(PREFIX)
  const two = await bird.waitRoute('203.0.113.1', (p) => p.filter((x) => x.protocol === 'tsbgp').length === 2, 10_000)
  t.same(two.map((x) => x.asPath.join(' ')).sort(), ['65001 65011', '65001 65013'], 'the withdrawn source path is gone from BIRD, the others stay')

  for (const s of [src[0]!, src[2]!]) s.speaker.withdraw(PREFIX)
  await bird.waitRoute('203.0.113.1', (p) => !p.some((x) => x.protocol === 'tsbgp'), 10_000)
  t.pass('all withdrawn')
  await a.speaker.close()
})

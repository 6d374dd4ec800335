// Graceful shutdown with a service that has only unique-prefixes (the per-instance addresses, no anycast
// prefix): it has nothing to drain, so its drain period (default 30 s) must not hold the shutdown. Found in
// the interop lab (interop/lab/scenarios.ts), where such a service made every `tsbgp` SIGTERM take 30 s.
import t from 'tap'
import { pino } from 'pino'
import { Speaker } from '../../src/speaker/speaker.js'
import { parseConfigText } from '../../src/daemon/config/load.js'
import { Daemon } from '../../src/daemon/daemon.js'
import { waitFor } from '../speaker/helpers.js'

t.test('shutdown waits for the anycast services only, not for a unique-prefixes-only service', async (t) => {
  const sp = new Speaker({ routerId: '10.0.0.3', localAs: 65000, listen: { address: '127.0.0.3', port: 0 } })
  t.teardown(() => sp.close())
  await sp.start()
  await sp.addPeer({ address: '127.0.0.2', remoteAs: 65011, passive: true, holdTime: 9 })
  const yaml = `
router-id: 10.0.0.2
local-as: 65011
neighbors:
  - { address: 127.0.0.3, port: ${sp.listenAddress!.port}, local-address: 127.0.0.2, remote-as: 65000, hold-time: 9, connect-retry: 1, families: [ipv4] }
services:
  - { name: web, prefixes: [198.51.100.80/32], drain: { period: 300ms } }
  - { name: pin, unique-prefixes: [203.0.113.7/32] }
`
  const daemon = new Daemon(parseConfigText(yaml, 'mem.yaml').config, { logger: pino({ level: 'silent' }), control: false })
  let shut = false
  t.teardown(async () => {
    if (!shut) await daemon.shutdown('test teardown')
  })
  await daemon.start()
  await waitFor('both prefixes at the peer', () => sp.bestPath('198.51.100.80/32') !== null && sp.bestPath('203.0.113.7/32') !== null, 10_000)
  shut = true
  const t0 = performance.now()
  const done = daemon.shutdown('test')
  await waitFor('GSHUT on the anycast prefix', () => sp.bestPath('198.51.100.80/32')?.attributes.communities?.some((c) => c === 'graceful-shutdown' || c === '65535:0'), 2000)
  t.ok(sp.bestPath('203.0.113.7/32'), 'the unique prefix stays announced during the drain')
  await done
  const ms = performance.now() - t0
  t.ok(ms >= 250, `the anycast service's drain period was waited (${ms.toFixed(0)} ms, period 300 ms)`)
  t.ok(ms < 5000, `the unique-only service's default 30 s drain period was not (${ms.toFixed(0)} ms)`)
  await waitFor('everything withdrawn', () => sp.bestPath('198.51.100.80/32') === null && sp.bestPath('203.0.113.7/32') === null, 3000)
  t.pass('both withdrawn at the end')
})

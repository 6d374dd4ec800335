// `tsbgp check-config` / `tsbgp run` exit codes (0, 78 with FILE:LINE:COL, 69 when a socket cannot be bound),
// the TTY log formatter, the RFC 9003 message bound, and the reload diff (what resets, what does not).
import t from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import { main } from '../../src/cli/main.js'
import { formatLogLine, runDaemon } from '../../src/cli/run.js'
import { parseConfigText } from '../../src/daemon/config/load.js'
import { diffConfig } from '../../src/daemon/reload.js'
import { peerConfig } from '../../src/daemon/peers.js'
import { shutdownMessage } from '../../src/daemon/shutdown.js'

function io(): { out: PassThrough & { text: string }; err: PassThrough & { text: string } } {
  const mk = (): PassThrough & { text: string } => {
    const s = new PassThrough() as PassThrough & { text: string }
    s.text = ''
    s.on('data', (b: Buffer) => (s.text += b.toString()))
    return s
  }
  return { out: mk(), err: mk() }
}

const GOOD = `router-id: 192.0.2.11
local-as: 65011
neighbors:
  - address: 127.0.0.3
    remote-as: 65000
    hold-time: 9
services:
  - name: dns
    prefixes: [198.51.100.53/32]
    med: 100
`

const dir = mkdtempSync(join(tmpdir(), 'tsbgp-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('check-config: 0 and the effective config; 78 with FILE:LINE:COL', async (t) => {
  const good = join(dir, 'good.yaml')
  writeFileSync(good, GOOD)
  let s = io()
  t.equal(await main(['check-config', good], s), 0)
  t.match(s.out.text, /routerId: 192\.0\.2\.11/, 'YAML effective config')
  s = io()
  t.equal(await main(['check-config', good, '--json'], s), 0)
  t.equal(JSON.parse(s.out.text).localAs, 65011, '--json')
  const bad = join(dir, 'bad.yaml')
  writeFileSync(bad, GOOD.replace('hold-time: 9', 'hold-time: 1'))
  s = io()
  t.equal(await main(['check-config', bad], s), 78, 'EX_CONFIG')
  t.match(s.err.text, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:6:\\d+: neighbors\\[0\\]\\.hold-time`), 'FILE:LINE:COL: key: message')
})

t.test('run: 78 on a bad config, 69 when the control socket cannot be bound', async (t) => {
  const bad = join(dir, 'bad2.yaml')
  writeFileSync(bad, GOOD.replace('local-as: 65011', 'local-as: 0'))
  let s = io()
  t.equal(await runDaemon({ config: bad, io: s }), 78)
  t.match(s.err.text, /bad2\.yaml:2:\d+: local-as/)
  const unbindable = join(dir, 'nosock.yaml')
  writeFileSync(join(dir, 'afile'), '')
  writeFileSync(unbindable, GOOD + `control: { socket: ${join(dir, 'afile', 'tsbgp.sock')} }\nlog: { level: silent }\n`)
  s = io()
  t.equal(await runDaemon({ config: unbindable, io: s }), 69, 'EX_UNAVAILABLE')
  t.match(s.err.text, /cannot bind control socket/)
})

t.test('TTY log formatter and RFC 9003 message', async (t) => {
  const line = formatLogLine(JSON.stringify({ level: 30, time: Date.UTC(2026, 0, 1, 12, 0, 1, 234), pid: 1, msg: 'service dns: up', service: 'dns', reason: 'two words' }))
  t.equal(line, '12:00:01.234 INFO  service dns: up service=dns reason="two words"')
  t.equal(formatLogLine('not json'), 'not json')
  t.equal(Buffer.byteLength(shutdownMessage('é'.repeat(300))) <= 255, true, 'at most 255 octets (RFC 9003 §2)')
  t.equal(shutdownMessage('SIGTERM'), 'tsbgp shutdown: SIGTERM')
})

t.test('reload diff: session parameters reset, MED and overrides do not', async (t) => {
  const a = parseConfigText(GOOD, 'a.yaml').config
  const med = diffConfig(a, parseConfigText(GOOD.replace('med: 100', 'med: 200'), 'a.yaml').config)
  t.same(med.neighborsReset, [])
  t.equal(med.servicesReannounced.length, 1)
  t.same(med.servicesRestarted, [])
  t.same(med.changes, ['service dns: med 100 -> 200'])
  const hold = diffConfig(a, parseConfigText(GOOD.replace('hold-time: 9', 'hold-time: 30'), 'a.yaml').config)
  t.equal(hold.neighborsReset.length, 1, 'hold time change restarts the session')
  const ov = diffConfig(a, parseConfigText(GOOD.replace('hold-time: 9', 'hold-time: 9\n    med: 7'), 'a.yaml').config)
  t.same(ov.neighborsReset, [])
  t.equal(ov.neighborsSoft.length, 1, 'a neighbor MED override is soft')
  const chk = diffConfig(a, parseConfigText(GOOD.replace('med: 100', 'med: 100\n    check: { tcp: "127.0.0.1:53" }'), 'a.yaml').config)
  t.equal(chk.servicesRestarted.length, 1, 'a check change restarts only the monitor')
  const rid = diffConfig(a, parseConfigText(GOOD.replace('192.0.2.11', '192.0.2.12'), 'a.yaml').config)
  t.ok(rid.needsRestart.length > 0, 'router-id needs a restart')
  t.same(diffConfig(a, a).changes, [], 'same config: nothing')
  const mh = parseConfigText(GOOD.replace('hold-time: 9', 'hold-time: 9\n    multihop: 5'), 'a.yaml').config
  t.equal(diffConfig(a, mh).neighborsReset.length, 1, 'a multihop change restarts the session')
  t.equal(peerConfig(mh.neighbors[0]!, (r) => r).ttl, 5, 'multihop 5 -> the session sends with TTL 5')
  t.equal(peerConfig(a.neighbors[0]!, (r) => r).ttl, undefined, 'no multihop -> kernel default TTL')
})

t.test('run: 69 when the BGP listen port is taken', async (t) => {
  const { createServer } = await import('node:net')
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())))
  const port = (srv.address() as { port: number }).port
  const f = join(dir, 'busy.yaml')
  writeFileSync(f, GOOD + `listen: { address: 127.0.0.1, port: ${port} }\ncontrol: { socket: ${join(dir, 'busy.sock')} }\nlog: { level: silent }\n`)
  const s = io()
  t.equal(await runDaemon({ config: f, io: s }), 69)
  t.match(s.err.text, /cannot bind BGP listener 127\.0\.0\.1:\d+/)
})

t.test('daemon in-process: invalid reload keeps the running config; a second shutdown skips the drain', async (t) => {
  const { Daemon } = await import('../../src/daemon/daemon.js')
  const { pino } = await import('pino')
  const f = join(dir, 'live.yaml')
  // No check: always healthy, announced at once; a long drain that the second shutdown call cuts short.
  writeFileSync(f, GOOD.replace('127.0.0.3', '127.0.0.9').replace('    med: 100\n', '    med: 100\n    drain: { period: 30s }\n'))
  const cfg = parseConfigText(readFileSync(f, 'utf8'), f).config
  const d = new Daemon(cfg, { logger: pino({ level: 'silent' }), configPath: f, control: false })
  await d.start()
  t.equal(d.services()[0]!.state, 'up')
  t.equal(d.services()[0]!.announced, true)
  const st = d.status()
  t.same([st.services, st.routes, st.neighbors.total], [{ total: 1, up: 1, announced: 1 }, { ipv4: 1 }, 1], 'status counts (no Loc-RIB walk)')
  t.same(st.instance, { id: null, largeCommunity: null, uniquePrefixes: [] }, 'status: no instance-id configured')
  const rows = [...d.routes({ view: 'best' }, new AbortController().signal)]
  t.same(rows.map((r) => [r.prefix, r.source, r.best, r.attributes.med]), [['198.51.100.53/32', 'api', true, 100]], 'routes: best view')
  t.same(d.announce('203.0.113.1/32', { med: 5 }), { prefix: '203.0.113.1/32', family: 'ipv4', changed: true })
  t.same(d.announce('203.0.113.1/32', { med: 5 }).changed, false, 'same attributes again: unchanged')
  t.same(d.withdraw('203.0.113.1/32').changed, true)
  t.same(d.withdraw('203.0.113.1/32').changed, false)
  t.throws(() => d.drain('nope'), { code: 'not-found' })
  writeFileSync(f, GOOD.replace('hold-time: 9', 'hold-time: 2'))
  await t.rejects(d.reload(), { code: 'failed', message: /live\.yaml:6:\d+: neighbors\[0\]\.hold-time/ }, 'reload of a bad file is rejected with its FILE:LINE:COL')
  t.equal(d.config, cfg, 'running config kept')
  t.equal(d.services()[0]!.med, 100)
  const t0 = performance.now()
  const first = d.shutdown('SIGTERM')
  await new Promise((r) => setTimeout(r, 100))
  t.equal(d.services()[0]!.state, 'draining', 'first signal: draining')
  await d.shutdown('SIGTERM')
  await first
  const ms = performance.now() - t0
  t.ok(ms < 5000, `second shutdown skipped the 30 s drain (${ms.toFixed(0)} ms)`)
})

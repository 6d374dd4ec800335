// The Daemon in-process against tsbgp Speakers on loopback (fast, no BIRD): rise → announce with the service
// attributes and the instance-id large community; unique prefixes from start and through a drain; no duplicate
// UPDATEs while nothing changes; withdrawal latency (verdict → UPDATE written to the socket); degrade; the
// neighbors subset; drain with GRACEFUL_SHUTDOWN; MED reload without reset; shutdown order.
import t from 'tap'
import { Socket } from 'node:net'
import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { Speaker } from '../../src/speaker/speaker.js'
import type { NotificationEvent, PeerStateChangeEvent } from '../../src/speaker/events.js'
import { parseConfigText } from '../../src/daemon/config/load.js'
import { Daemon } from '../../src/daemon/daemon.js'
import type { ServiceChange } from '../../src/daemon/service-state.js'
import { waitFor } from '../speaker/helpers.js'

const D_ADDR = '127.0.0.2'
const now = (): number => performance.timeOrigin + performance.now()

/** Every UPDATE the daemon writes (source address D_ADDR): [time, bytes]. */
const writes: Array<{ at: number; remote: string; buf: Buffer }> = []
const origWrite = Socket.prototype.write
Socket.prototype.write = function (this: Socket, chunk: unknown, ...rest: unknown[]) {
  if (this.localAddress === D_ADDR && Buffer.isBuffer(chunk) && chunk.length >= 19 && chunk[18] === 2) writes.push({ at: now(), remote: this.remoteAddress ?? '', buf: chunk })
  return (origWrite as (...a: unknown[]) => boolean).call(this, chunk, ...rest)
} as typeof Socket.prototype.write
t.teardown(() => {
  Socket.prototype.write = origWrite
})

async function receiver(onEnd: (f: () => Promise<void>) => void, addr: string, id: string, localAs = 65000): Promise<{ sp: Speaker; port: number; notes: NotificationEvent[] }> {
  const sp = new Speaker({ routerId: id, localAs, listen: { address: addr, port: 0 } })
  onEnd(() => sp.close())
  await sp.start()
  await sp.addPeer({ address: D_ADDR, remoteAs: 65011, passive: true, holdTime: 9 })
  const notes: NotificationEvent[] = []
  sp.on('notification', (n) => notes.push(n))
  return { sp, port: sp.listenAddress!.port, notes }
}

function config(dir: string, pA: number, pB: number, pC: number, o: { med?: number; interval?: string } = {}): string {
  return `
router-id: 10.0.0.2
local-as: 65011
instance-id: 7
neighbors:
  - { address: 127.0.0.3, port: ${pA}, local-address: ${D_ADDR}, remote-as: 65000, hold-time: 9, connect-retry: 1, families: [ipv4], description: a }
  - { address: 127.0.0.4, port: ${pB}, local-address: ${D_ADDR}, remote-as: 65000, hold-time: 9, connect-retry: 1, families: [ipv4], description: b, med: 5 }
  - { address: 127.0.0.5, port: ${pC}, local-address: ${D_ADDR}, remote-as: 65011, hold-time: 9, connect-retry: 1, families: [ipv4], description: ibgp }
services:
  - name: web
    prefixes: [198.51.100.80/32]
    unique-prefixes: [198.51.100.111/32]
    check: { exec: "test -f ${join(dir, 'web-ok')}", interval: ${o.interval ?? '300ms'}, timeout: 300ms, fast-interval: 50ms, rise: 2, fall: 1 }
    med: ${o.med ?? 100}
    local-pref: 200
    communities: ["65011:80"]
    hold-down: 0s
    drain: { period: 400ms, prepend: 2 }
  - name: dns
    prefixes: [198.51.100.53/32]
    neighbors: [a]
    check: { exec: "test -f ${join(dir, 'dns-ok')}", interval: 300ms, timeout: 300ms, fast-interval: 50ms, rise: 1, fall: 1 }
    med: 10
    hold-down: 0s
    on-failure: { degrade: { med: 1000, prepend: 2 } }
    drain: { period: 200ms }
`
}

t.test('daemon announcer against three tsbgp speakers (two eBGP, one iBGP)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbgp-daemon-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const A = await receiver((f) => t.teardown(f), '127.0.0.3', '10.0.0.3')
  const B = await receiver((f) => t.teardown(f), '127.0.0.4', '10.0.0.4')
  const C = await receiver((f) => t.teardown(f), '127.0.0.5', '10.0.0.5', 65011)
  const cfg = parseConfigText(config(dir, A.port, B.port, C.port), join(dir, 'tsbgp.yaml')).config
  const daemon = new Daemon(cfg, { logger: pino({ level: 'silent' }), control: false })
  const changes: ServiceChange[] = []
  const flaps: PeerStateChangeEvent[] = []
  daemon.on('serviceChange', (c) => changes.push(c))
  let shut = false
  t.teardown(async () => {
    if (!shut) await daemon.shutdown('test teardown')
  })
  await daemon.start()
  await waitFor('sessions up', () => daemon.speaker.peers().every((p) => p.state === 'Established'), 10_000)
  daemon.on('peerStateChange', (e) => flaps.push(e))

  // Unique prefix from the start, whatever the checks say; anycast prefixes not yet.
  const u = await waitFor('unique prefix at A', () => A.sp.bestPath('198.51.100.111/32'), 3000)
  t.same(u.attributes.largeCommunities, ['65011:7:0'], 'instance-id large community local-as:instance-id:0')
  t.same(daemon.status().instance, { id: 7, largeCommunity: '65011:7:0', uniquePrefixes: ['198.51.100.111/32'] }, 'status tells which instance this is')
  t.equal(A.sp.bestPath('198.51.100.80/32'), null, 'anycast prefix not announced before rise')

  writeFileSync(join(dir, 'web-ok'), '')
  writeFileSync(join(dir, 'dns-ok'), '')
  const web = await waitFor('web at A', () => A.sp.bestPath('198.51.100.80/32'), 3000)
  t.equal(web.attributes.med, 100, 'service MED')
  t.same(web.attributes.communities, ['65011:80'])
  t.same(web.attributes.largeCommunities, ['65011:7:0'])
  t.same(web.attributes.asPath, [65011], 'no prepend')
  const webB = await waitFor('web at B', () => B.sp.bestPath('198.51.100.80/32'), 3000)
  t.equal(webB.attributes.med, 5, 'neighbor med override wins toward B')
  t.equal(web.attributes.localPref, undefined, 'no LOCAL_PREF toward eBGP (RFC 4271 §5.1.5)')
  const webC = await waitFor('web at C (iBGP)', () => C.sp.bestPath('198.51.100.80/32'), 3000)
  t.equal(webC.attributes.localPref, 200, 'LOCAL_PREF toward iBGP')
  t.same(webC.attributes.asPath, [], 'iBGP: empty AS_PATH')
  await waitFor('dns at A', () => A.sp.bestPath('198.51.100.53/32'), 3000)
  await new Promise((r) => setTimeout(r, 300))
  t.equal(B.sp.bestPath('198.51.100.53/32'), null, 'dns (neighbors: [a]) not announced to B')

  // Checks keep passing every 50 ms: no UPDATE goes out.
  const before = writes.length
  await new Promise((r) => setTimeout(r, 1000))
  t.equal(writes.length, before, `no UPDATE while nothing changes (${changes.length} service changes so far)`)

  // Fail web: withdrawal, measured from the verdict's step to the UPDATE written.
  const n0 = writes.length
  const c0 = changes.length
  unlinkSync(join(dir, 'web-ok'))
  const down = await waitFor('web down', () => changes.slice(c0).find((c) => c.service === 'web' && c.to === 'down'), 3000)
  await waitFor('web gone at A', () => A.sp.bestPath('198.51.100.80/32') === null, 3000)
  const w = writes.slice(n0).find((x) => x.remote === '127.0.0.3')!
  const latency = w.at - down.atMs
  t.comment(`verdict → withdrawal UPDATE written: ${latency.toFixed(2)} ms`)
  t.ok(latency >= 0 && latency < 50, `withdrawal within 50 ms of the verdict (${latency.toFixed(2)} ms)`)
  t.ok(A.sp.bestPath('198.51.100.111/32'), 'unique prefix stays while the service is down')

  // Degrade: dns stays announced with worse attributes.
  unlinkSync(join(dir, 'dns-ok'))
  const deg = await waitFor('dns degraded', () => {
    const b = A.sp.bestPath('198.51.100.53/32')
    return b !== null && b.attributes.med === 1000 ? b : null
  }, 3000)
  t.same(deg.attributes.asPath, [65011, 65011, 65011], 'degrade prepend 2')
  writeFileSync(join(dir, 'dns-ok'), '')
  await waitFor('dns restored', () => A.sp.bestPath('198.51.100.53/32')?.attributes.med === 10, 3000)

  // Drain web: GRACEFUL_SHUTDOWN + drain prepend, then withdrawn; the unique prefix survives.
  writeFileSync(join(dir, 'web-ok'), '')
  await waitFor('web back', () => A.sp.bestPath('198.51.100.80/32'), 3000)
  daemon.drain('web')
  const gs = await waitFor('GSHUT at A', () => {
    const b = A.sp.bestPath('198.51.100.80/32')
    return b?.attributes.communities?.includes('graceful-shutdown') || b?.attributes.communities?.includes('65535:0') ? b : null
  }, 2000)
  t.same(gs.attributes.asPath, [65011, 65011, 65011], 'drain prepend toward eBGP')
  const gsC = await waitFor('drain at C', () => {
    const b = C.sp.bestPath('198.51.100.80/32')
    return b?.attributes.localPref === 0 ? b : null
  }, 2000)
  t.same(gsC.attributes.asPath, [], 'drain toward iBGP: LOCAL_PREF 0, no prepend')
  await waitFor('drained web withdrawn', () => A.sp.bestPath('198.51.100.80/32') === null, 3000)
  t.ok(A.sp.bestPath('198.51.100.111/32'), 'unique prefix survives the drain')
  daemon.undrain('web')
  await waitFor('web undrained', () => A.sp.bestPath('198.51.100.80/32'), 3000)

  // Reload: MED 100 → 250 without a session reset.
  const next = parseConfigText(config(dir, A.port, B.port, C.port, { med: 250 }), join(dir, 'tsbgp.yaml')).config
  const r = await daemon.reload(next)
  t.ok(r.changes.some((c) => c.includes('med 100 -> 250')), `reload changes: ${r.changes.join('; ')}`)
  await waitFor('MED 250 at A', () => A.sp.bestPath('198.51.100.80/32')?.attributes.med === 250, 3000)
  t.same(flaps, [], 'no session state change during the whole test (no reset on reload)')
  const r2 = await daemon.reload(next)
  t.same(r2.changes, [], 'same config again: nothing changes')

  // A check change restarts only web's monitor; its route stays (no UPDATE) while the new monitor rises.
  const n1 = writes.length
  const c1 = changes.length
  const r3 = await daemon.reload(parseConfigText(config(dir, A.port, B.port, C.port, { med: 250, interval: '400ms' }), join(dir, 'tsbgp.yaml')).config)
  t.same(r3.changes, ['service web: checks changed (monitor restarts)'])
  await waitFor('new web monitor up', () => changes.slice(c1).find((c) => c.service === 'web' && c.to === 'up'), 3000)
  t.same(changes.slice(c1).map((c) => c.to), ['up'], 'no starting/withdraw seen: the old announcement carried over')
  t.equal(writes.length, n1, 'monitor restart sent no UPDATE')
  t.equal(A.sp.bestPath('198.51.100.80/32')?.attributes.med, 250)

  // Shutdown: drain (GSHUT), then every prefix withdrawn, unique last, then Cease with the message.
  shut = true
  const t0 = performance.now()
  const nShut = writes.length
  const done = daemon.shutdown('maintenance window')
  await waitFor('GSHUT on shutdown', () => A.sp.bestPath('198.51.100.80/32')?.attributes.communities?.some((c) => c === 'graceful-shutdown' || c === '65535:0'), 2000)
  t.ok(A.sp.bestPath('198.51.100.111/32'), 'shutdown drain: the unique prefix is still announced')
  await done
  t.ok(writes.length > nShut, 'shutdown wrote UPDATEs (GSHUT, then withdrawals) before the Cease')
  t.comment(`shutdown took ${(performance.now() - t0).toFixed(0)} ms (drain period 400 ms)`)
  const cease = await waitFor('Cease at A', () => A.notes.find((n) => n.direction === 'received'), 3000)
  t.match(cease.name, /Administrative Shutdown/)
  t.match(cease.message, /maintenance window/, 'RFC 9003 shutdown communication')
})

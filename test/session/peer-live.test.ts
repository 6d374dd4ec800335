// Two tsbgp speakers over real TCP on loopback (127.0.0.2 <-> 127.0.0.3, unprivileged random ports):
// session establishment, an UPDATE each way, Cease on stop, RFC 4271 §6.8 connection collision
// when both dial at once, refusal of unknown peers. Every wait is bounded; every peer, listener and
// socket is closed in teardown even when an assertion fails.
import { connect, Socket } from 'node:net'
import pino from 'pino'
import t, { type Test } from 'tap'
import { CeaseSubcode, ErrorCode } from '../../src/wire/iana.js'
import { parseV4Prefix, formatNlriList } from '../../src/wire/prefix.js'
import { packUpdates } from '../../src/wire/update-packer.js'
import type { BgpListener } from '../../src/session/listener.js'
import { attachPeerLogging, peerLogger } from '../../src/session/log-events.js'
import { Peer, type PeerOptions } from '../../src/session/peer.js'
import { getTtl, handleFd } from '../../src/session/sockopts.js'
import { listenRandom, waitEvent, waitState, waitUntil } from './live-helpers.js'

const A = { addr: '127.0.0.2', as: 65001, id: '10.0.0.2' }
const B = { addr: '127.0.0.3', as: 65002, id: '10.0.0.3' }

interface Pair {
  a: Peer
  b: Peer
  la: BgpListener
  lb: BgpListener
}

async function makePair(
  t: Test,
  o: {
    aPassive?: boolean
    bPassive?: boolean
    extra?: Partial<PeerOptions['session']>
    aOpts?: Partial<PeerOptions>
    bOpts?: Partial<PeerOptions>
  } = {},
): Promise<Pair> {
  const { listener: la, port: pa } = await listenRandom(A.addr)
  const { listener: lb, port: pb } = await listenRandom(B.addr)
  const common = { holdTimeSec: 3, connectRetrySec: 1, idleHoldSec: 1, ...o.extra }
  const a = new Peer({
    session: { localAs: A.as, remoteAs: B.as, bgpId: A.id, passive: o.aPassive ?? false, ...common },
    remoteAddress: B.addr,
    remotePort: pb,
    localAddress: A.addr,
    ...o.aOpts,
  })
  const b = new Peer({
    session: { localAs: B.as, remoteAs: A.as, bgpId: B.id, passive: o.bPassive ?? false, ...common },
    remoteAddress: A.addr,
    remotePort: pa,
    localAddress: B.addr,
    ...o.bOpts,
  })
  await la.addPeer(a)
  await lb.addPeer(b)
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()])
    await Promise.all([la.close(), lb.close()])
  })
  return { a, b, la, lb }
}

t.test('active A, passive B: Established, UPDATE both ways, Cease on stop', async (t) => {
  const { a, b } = await makePair(t, { bPassive: true })
  const t0 = performance.now()
  const estA = waitEvent(a, 'established', 10_000)
  const estB = waitEvent(b, 'established', 10_000)
  await Promise.all([a.start(), b.start()])
  const [[sessA, dirA], [sessB, dirB]] = await Promise.all([estA, estB])
  t.comment(`time to Established: ${(performance.now() - t0).toFixed(0)} ms`)
  t.equal(dirA, 'outgoing', 'A established on the connection it dialed')
  t.equal(dirB, 'incoming', 'B established on the connection it accepted')
  t.equal(sessA.peerAs, B.as)
  t.equal(sessB.peerAs, A.as)
  t.equal(sessA.holdTimeSec, 3)
  t.ok(sessA.as4, 'both sides 4-octet AS')

  // A -> B: a pre-encoded UPDATE built with the session's tx context.
  const gotB = waitEvent(b, 'update', 5000)
  const ctxA = a.session!.txContext
  const bufs = packUpdates(
    {
      attributes: { origin: 0, asPath: [{ type: 2, asns: [A.as] }], nextHop: A.addr },
      announce: { afi: 1, keys: [parseV4Prefix('192.0.2.0/24')!, parseV4Prefix('198.51.100.0/25')!], pathIds: null },
    },
    ctxA,
  )
  t.equal(a.sendUpdates(bufs), true, 'writable after a small UPDATE')
  const [u] = await gotB
  t.same(formatNlriList(u.nlri), ['192.0.2.0/24', '198.51.100.0/25'])
  t.equal(u.attributes.nextHop, A.addr)
  t.same(u.attributes.asPath, [{ type: 2, asns: [A.as] }])

  // B -> A: a decoded UPDATE object through send().
  const gotA = waitEvent(a, 'update', 5000)
  b.send([
    {
      type: 'UPDATE',
      withdrawn: { afi: 1, keys: [], pathIds: null },
      attributes: { origin: 0, asPath: [{ type: 2, asns: [B.as] }], nextHop: B.addr },
      nlri: { afi: 1, keys: [parseV4Prefix('203.0.113.0/24')!], pathIds: null },
    },
  ])
  const [ua] = await gotA
  t.same(formatNlriList(ua.nlri), ['203.0.113.0/24'])

  // Keepalives carry the session past the hold time (3 s) twice over.
  await new Promise((r) => setTimeout(r, 4000))
  t.equal(a.state, 'Established', 'A still Established after 4 s with hold time 3 s')
  t.equal(b.state, 'Established', 'B still Established after 4 s with hold time 3 s')

  const cease = waitEvent(b, 'notificationReceived', 5000)
  await a.stop({ message: 'maintenance' })
  const [n] = await cease
  t.equal(n.code, ErrorCode.CEASE)
  t.equal(n.subcode, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN)
  t.equal(n.name, 'Cease / Administrative Shutdown')
  t.equal(n.message, 'maintenance', 'RFC 9003 shutdown communication arrives')
  await waitUntil('B leaves Established', () => b.state !== 'Established', 5000)
  t.equal(a.state, 'Idle')
})

t.test('both active and dialing at once: collision resolved, one session survives', async (t) => {
  const { a, b } = await makePair(t)
  const collisions: string[] = []
  const ceaseSent: string[] = []
  for (const [name, p] of [['A', a], ['B', b]] as const) {
    p.on('collision', (c) => collisions.push(`${name} closes ${c.close}`))
    p.on('notificationSent', (n, conn) => {
      if (n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.CONNECTION_COLLISION_RESOLUTION) ceaseSent.push(`${name}/${conn}`)
    })
  }
  const estA = waitEvent(a, 'established', 10_000)
  const estB = waitEvent(b, 'established', 10_000)
  // Both dial in the same tick: two TCP connections exist before either OPEN arrives.
  await Promise.all([a.start(), b.start()])
  const [[, dirA], [, dirB]] = await Promise.all([estA, estB])
  t.comment(`collisions: ${collisions.join(', ')}; Cease/Connection Collision Resolution sent by ${ceaseSent.join(', ')}`)
  t.ok(collisions.length >= 1, 'a collision was detected')
  t.ok(ceaseSent.length >= 1, 'Cease / Connection Collision Resolution sent on the losing connection')
  // RFC 4271 §6.8: the speaker with the higher BGP Identifier (B, 10.0.0.3) keeps the connection it initiated.
  t.equal(dirB, 'outgoing', 'B keeps the connection it dialed')
  t.equal(dirA, 'incoming', 'A keeps the connection B dialed')
  t.ok(collisions.includes('A closes outgoing') || collisions.includes('B closes incoming'))
  // Give the losers time to go away; exactly one Established connection on each side remains.
  await waitUntil('one connection per side', () => a.connections.filter((c) => c.state !== 'Idle').length === 1 && b.connections.filter((c) => c.state !== 'Idle').length === 1, 5000)
  t.same(a.connections.filter((c) => c.state !== 'Idle'), [{ direction: 'incoming', state: 'Established' }])
  t.same(b.connections.filter((c) => c.state !== 'Idle'), [{ direction: 'outgoing', state: 'Established' }])
  await new Promise((r) => setTimeout(r, 1500))
  t.equal(a.state, 'Established', 'the surviving session stays up')
  t.equal(b.state, 'Established')
})

t.test('session lost: the dialing side reconnects', async (t) => {
  const { a, b } = await makePair(t, { bPassive: true })
  await Promise.all([a.start(), b.start()])
  await Promise.all([waitState(a, 'Established', 10_000), waitState(b, 'Established', 10_000)])
  // B restarts (stop + start): A sees the Cease and re-establishes on its own after IdleHoldTime.
  const down = waitEvent(a, 'notificationReceived', 5000)
  await b.stop({ subcode: CeaseSubcode.ADMINISTRATIVE_RESET })
  await down
  await b.start()
  const t0 = performance.now()
  await waitEvent(a, 'established', 10_000)
  t.comment(`re-established after ${(performance.now() - t0).toFixed(0)} ms`)
  t.equal(b.state, 'Established')
})

t.test('the listener refuses connections from unknown addresses', async (t) => {
  const { la, lb } = await makePair(t)
  const refused = new Promise<{ remoteAddress: string }>((resolve) => lb.once('refused', resolve))
  const port = lb.address().port
  const s = connect({ host: B.addr, port, localAddress: '127.0.0.9' })
  t.teardown(() => s.destroy())
  const closed = new Promise<void>((resolve) => s.on('close', () => resolve()))
  s.on('error', () => {})
  const r = await Promise.race([refused, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('no refusal')), 3000))])
  t.equal(r.remoteAddress, '127.0.0.9')
  await Promise.race([closed, new Promise<never>((_, rej) => setTimeout(() => rej(new Error('socket not closed')), 3000))])
  t.pass('connection closed by the listener')
  void la
})

t.test('log-events: transitions and NOTIFICATIONs as typed pino lines on a per-peer child', async (t) => {
  const { a, b } = await makePair(t, { bPassive: true })
  const lines: Array<Record<string, unknown>> = []
  const root = pino({ level: 'debug' }, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) })
  const detach = attachPeerLogging(b, peerLogger(root, A.addr, A.as))
  await Promise.all([a.start(), b.start()])
  await waitState(b, 'Established', 10_000)
  const down = waitEvent(b, 'notificationReceived', 5000)
  await a.stop({ message: 'bye' })
  await down
  detach()
  const est = lines.find((l) => l.event === 'established')
  t.match(est, { peer: A.addr, peerAs: A.as, connection: 'incoming', holdTimeSec: 3, families: ['1/1'] })
  t.ok(lines.some((l) => l.event === 'transition' && l.from === 'OpenConfirm' && l.to === 'Established' && l.fsmEvent === 'KeepAliveMsg'), 'transition with from/to/event/reason')
  const n = lines.find((l) => l.event === 'notification')
  t.match(n, { direction: 'received', code: 6, subcode: 2, name: 'Cease / Administrative Shutdown', message: 'bye' })
})

const root = process.getuid?.() === 0
t.test('TCP MD5 and GTSM between two tsbgp speakers (Linux, root)', { skip: root ? false : 'needs root for TCP_MD5SIG / IP_MINTTL' }, async (t) => {
  t.test('same password: Established (both directions use signed SYNs)', async (t) => {
    const { a, b } = await makePair(t, { aOpts: { password: 'pw-1' }, bOpts: { password: 'pw-1' } })
    await Promise.all([a.start(), b.start()])
    await Promise.all([waitState(a, 'Established', 10_000), waitState(b, 'Established', 10_000)])
    t.pass('MD5-signed session up')
  })
  t.test('different passwords: never Established, one warning naming MD5', async (t) => {
    const { a, b } = await makePair(t, { aOpts: { password: 'pw-1' }, bOpts: { password: 'pw-2' }, bPassive: true })
    const warnings: string[] = []
    a.on('warning', (w) => warnings.push(w))
    await Promise.all([a.start(), b.start()])
    await waitUntil('MD5 warning', () => warnings.length > 0, 10_000)
    t.match(warnings[0], /TCP MD5 signature mismatch or missing on the peer side\?.*passwords differ/)
    await new Promise((r) => setTimeout(r, 1500))
    t.equal(warnings.length, 1, 'one line, not one per retry')
    t.not(a.state, 'Established')
  })
  t.test('different passwords, passive side: one warning from the kernel counters', async (t) => {
    const { a, b } = await makePair(t, { aOpts: { password: 'pw-1' }, bOpts: { password: 'pw-2', md5WatchMs: 300 }, bPassive: true })
    const warnings: string[] = []
    b.on('warning', (w) => warnings.push(w))
    await Promise.all([a.start(), b.start()])
    await waitUntil('passive MD5 warning', () => warnings.length > 0, 10_000)
    t.match(warnings[0], /passive peer 127\.0\.0\.2 not Established with a password configured; kernel counters since start.*passwords differ/)
    await new Promise((r) => setTimeout(r, 1000))
    t.equal(warnings.length, 1, 'once')
  })
  t.test('configured TTL (single-hop eBGP 1, multihop 5): Established, and each side sends with it', async (t) => {
    const { a, b } = await makePair(t, { aOpts: { ttl: 1 }, bOpts: { ttl: 5 }, bPassive: true })
    await Promise.all([a.start(), b.start()])
    await Promise.all([waitState(a, 'Established', 10_000), waitState(b, 'Established', 10_000)])
    // The sockets of this session, read back from the kernel (A dialled, B accepted).
    const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles()
    const socks = handles.filter((h): h is Socket => h instanceof Socket && !h.destroyed)
    const ttlOf = async (local: string, remote: string): Promise<number> => {
      const s = socks.find((x) => x.localAddress === local && x.remoteAddress === remote)
      if (!s) throw new Error(`no socket ${local} -> ${remote}`)
      return getTtl(handleFd(s), 4)
    }
    t.equal(await ttlOf(A.addr, B.addr), 1, 'A (dialled) sends with TTL 1')
    t.equal(await ttlOf(B.addr, A.addr), 5, 'B (accepted) sends with TTL 5')
    t.throws(() => new Peer({ session: { localAs: 1, remoteAs: 2, bgpId: '10.0.0.9' }, remoteAddress: A.addr, ttl: 0 }), RangeError)
    t.throws(() => new Peer({ session: { localAs: 1, remoteAs: 2, bgpId: '10.0.0.9' }, remoteAddress: A.addr, ttl: 2, ttlSecurity: true }), /ttlSecurity/)
  })
  t.test('GTSM on both sides: Established', async (t) => {
    const { a, b } = await makePair(t, { aOpts: { ttlSecurity: true }, bOpts: { ttlSecurity: { hops: 1 } }, bPassive: true })
    await Promise.all([a.start(), b.start()])
    await Promise.all([waitState(a, 'Established', 10_000), waitState(b, 'Established', 10_000)])
    t.pass('TTL-255 session up')
  })
})

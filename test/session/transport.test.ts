// The TCP edge (transport.ts) over a real loopback socket pair, the timer driver (timers.ts) on a
// fake clock, and the sockopts structures (sockopts.ts) byte by byte.
import { createServer, connect, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { DEFAULT_CONTEXT } from '../../src/wire/context.js'
import { BgpError } from '../../src/wire/errors.js'
import { KEEPALIVE } from '../../src/wire/keepalive.js'
import { encodeMessage } from '../../src/wire/message.js'
import { makeNotification } from '../../src/wire/notification.js'
import type { Message } from '../../src/wire/types.js'
import type { Action } from '../../src/session/actions.js'
import { sessionConfig } from '../../src/session/config.js'
import { md5sigStruct, sockaddr, explainMd5, readMd5Counters } from '../../src/session/sockopts.js'
import { FsmDriver } from '../../src/session/timers.js'
import { normalizeAddress, Transport, type TransportHandlers } from '../../src/session/transport.js'
import { peerOpen } from './helpers.js'

/** A connected pair: `a` wrapped by the caller, `b` the raw far end. */
async function socketPair(t: Tap): Promise<{ a: Socket; b: Socket }> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  const port = (server.address() as { port: number }).port
  const accepted = new Promise<Socket>((r) => server.once('connection', r))
  const a = connect({ host: '127.0.0.1', port })
  await new Promise<void>((r, j) => a.once('connect', r).once('error', j))
  const b = await accepted
  t.teardown(() => {
    a.destroy()
    b.destroy()
    server.close()
  })
  return { a, b }
}

type Tap = Test

interface Recorder extends TransportHandlers {
  messages: Message[]
  errors: BgpError[]
  closedLog: string[]
  drains: number
  progressCount: number
  rawCount: { rx: number; tx: number }
}

function recorder(): Recorder {
  const r: Recorder = {
    messages: [],
    errors: [],
    closedLog: [],
    drains: 0,
    progressCount: 0,
    rawCount: { rx: 0, tx: 0 },
    message: (m) => void r.messages.push(m),
    decodeError: (e) => void r.errors.push(e),
    closed: (why) => void r.closedLog.push(why),
    drain: () => void r.drains++,
    progress: () => void r.progressCount++,
    raw: (d) => void r.rawCount[d]++,
  }
  return r
}

const until = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const t0 = Date.now()
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 5))
  }
}

t.test('frames split across chunks decode in order; raw bytes reported both ways', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  const tr = new Transport(a, rec)
  const open = encodeMessage(peerOpen(), DEFAULT_CONTEXT)
  const ka = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT)
  const stream = Buffer.concat([open, ka, ka])
  // Trickle: one write per 7 octets, so headers and bodies straddle chunks.
  for (let i = 0; i < stream.length; i += 7) {
    b.write(stream.subarray(i, i + 7))
    await new Promise((r) => setImmediate(r))
  }
  await until(() => rec.messages.length === 3)
  t.same(rec.messages.map((m) => m.type), ['OPEN', 'KEEPALIVE', 'KEEPALIVE'])
  t.equal(rec.rawCount.rx, 3)
  tr.send(KEEPALIVE, DEFAULT_CONTEXT)
  t.equal(rec.rawCount.tx, 1)
  const got = await new Promise<Buffer>((r) => b.once('data', r))
  t.equal(got.toString('hex'), ka.toString('hex'), 'KEEPALIVE written')
  t.equal(tr.remoteAddress, '127.0.0.1')
})

t.test('a bad marker is a Message Header Error and stops processing', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  new Transport(a, rec)
  const bad = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT)
  bad[3] = 0
  b.write(Buffer.concat([bad, encodeMessage(KEEPALIVE, DEFAULT_CONTEXT)]))
  await until(() => rec.errors.length === 1)
  t.same([rec.errors[0]!.code, rec.errors[0]!.subcode], [1, 1], 'Connection Not Synchronized (RFC 4271 §6.1)')
  await new Promise((r) => setTimeout(r, 20))
  t.equal(rec.messages.length, 0, 'nothing decoded after the stream lost sync')
})

t.test('a malformed body is reported with the decoder’s NOTIFICATION', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  new Transport(a, rec)
  // UPDATE whose Withdrawn Routes Length (5) overruns the message: UPDATE Message Error /
  // Malformed Attribute List (RFC 4271 §6.3).
  b.write(Buffer.from('ff'.repeat(16) + '0017' + '02' + '0005' + '0000', 'hex'))
  await until(() => rec.errors.length === 1)
  t.same([rec.errors[0]!.code, rec.errors[0]!.subcode], [3, 1])
})

t.test('at most maxMessagesPerTick messages per event-loop turn', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  let firstTurn = -1
  const inner = rec.message
  rec.message = (m, raw) => {
    inner(m, raw)
    if (rec.messages.length === 1) setImmediate(() => (firstTurn = rec.messages.length))
  }
  new Transport(a, rec, { maxMessagesPerTick: 100 })
  const ka = encodeMessage(KEEPALIVE, DEFAULT_CONTEXT)
  b.write(Buffer.concat(Array.from({ length: 1000 }, () => ka)))
  await until(() => rec.messages.length === 1000)
  t.ok(firstTurn > 0 && firstTurn <= 100, `the first turn handled ${firstTurn} messages (cap 100), then yielded`)
})

t.test('back-pressure: writable false above the high-water mark, drain at the low-water mark', async (t) => {
  const { a, b } = await socketPair(t)
  b.pause() // the far end stops reading
  const rec = recorder()
  const high = 256 * 1024
  const tr = new Transport(a, rec, { highWaterMark: high, lowWaterMark: 64 * 1024 })
  const chunk = Buffer.alloc(4096, 0xff) // not valid BGP; the far end never parses it
  let writes = 0
  while (tr.writable && writes < 100_000) {
    tr.sendRaw([chunk])
    writes++
  }
  t.equal(tr.writable, false, `not writable after ${writes} writes`)
  t.ok(tr.queuedBytes >= high, `queued ${tr.queuedBytes} ≥ high-water mark`)
  // A producer ignoring the signal is stopped before memory grows without bound.
  t.throws(() => {
    for (let i = 0; i < 10_000; i++) tr.sendRaw([chunk])
  }, /ignored back-pressure/)
  let drained = false
  tr.onDrain(() => (drained = true))
  b.resume()
  await until(() => drained, 10_000)
  t.equal(rec.drains, 1, 'drain reported once')
  t.equal(tr.writable, true)
  t.ok(rec.progressCount >= 1, 'SendProgress reported')
})

t.test('close() flushes the last NOTIFICATION, then FIN; no handler runs afterwards', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  const tr = new Transport(a, rec)
  const chunks: Buffer[] = []
  b.on('data', (d) => chunks.push(d))
  const ended = new Promise<void>((r) => b.once('end', r))
  tr.send(makeNotification(6, 2), DEFAULT_CONTEXT)
  tr.close()
  await ended
  t.equal(Buffer.concat(chunks).toString('hex'), encodeMessage(makeNotification(6, 2), DEFAULT_CONTEXT).toString('hex'))
  await tr.done
  t.same(rec.closedLog, [], 'own close is not reported as a failure')
  t.equal(tr.send(KEEPALIVE, DEFAULT_CONTEXT), false, 'sending after close is refused')
})

t.test('the peer closing is reported once', async (t) => {
  const { a, b } = await socketPair(t)
  const rec = recorder()
  const tr = new Transport(a, rec)
  b.end()
  await tr.done
  t.equal(rec.closedLog.length, 1)
  t.match(rec.closedLog[0], /closed by the peer/)
})

t.test('FsmDriver: one real timer for the next deadline; dispose clears it', async (t) => {
  let now = 0
  const actions: Action[][] = []
  const cfg = sessionConfig({ localAs: 65001, remoteAs: 65002, bgpId: '192.0.2.1', connectRetrySec: 1, passive: true })
  const d = new FsmDriver(cfg, (a) => void actions.push(a), () => now)
  d.dispatch({ type: 'ManualStart_with_PassiveTcpEstablishment' })
  t.equal(d.state.state, 'Active')
  t.equal(d.state.connectRetryDeadline, 1000, 'ConnectRetryTimer deadline from the injected clock')
  now = 1000
  await new Promise((r) => setTimeout(r, 1100))
  t.equal(d.state.connectRetryDeadline, 2000, 'the real timer fired and the passive FSM re-armed it')
  d.dispose()
  now = 5000
  await new Promise((r) => setTimeout(r, 1100))
  t.equal(d.state.connectRetryDeadline, 2000, 'nothing fires after dispose')
  d.dispatch({ type: 'ManualStop' })
  t.equal(d.state.state, 'Active', 'events after dispose are ignored')
})

t.test('FsmDriver: events raised while actions run are queued, not re-entered', async (t) => {
  const cfg = sessionConfig({ localAs: 65001, remoteAs: 65002, bgpId: '192.0.2.1' })
  const order: string[] = []
  const d: FsmDriver = new FsmDriver(cfg, (a, s) => {
    order.push(`${s.state}:${a.map((x) => x.type).join(',')}`)
    if (a.some((x) => x.type === 'connect')) d.dispatch({ type: 'TcpConnectionFails', reason: 'refused' })
  })
  d.dispatch({ type: 'ManualStart' })
  t.equal(order[0], 'Connect:connect,emit')
  t.match(order[1], /^Idle:/, 'the failure was stepped after the start completed')
  d.dispose()
})

t.test('sockopts: sockaddr and tcp_md5sig layouts (Linux x86-64/arm64)', async (t) => {
  t.equal(sockaddr('192.0.2.1', 179).toString('hex'), '0200' + '00b3' + 'c0000201' + '00'.repeat(8), 'sockaddr_in')
  const s6 = sockaddr('2001:db8::1', 179)
  t.equal(s6.length, 28)
  t.equal(s6.subarray(0, 4).toString('hex'), '0a0000b3')
  t.equal(s6.subarray(8, 24).toString('hex'), '20010db8000000000000000000000001')
  t.equal(sockaddr('192.0.2.1', 0, 6).subarray(8, 24).toString('hex'), '00000000000000000000ffffc0000201', 'v4-mapped on an AF_INET6 socket')
  const m = md5sigStruct('192.0.2.1', 'secret', 4)
  t.equal(m.length, 216)
  t.equal(m.readUInt16LE(0), 2, 'tcpm_addr family')
  t.equal(m.readUInt16LE(130), 6, 'tcpm_keylen')
  t.equal(m.subarray(136, 142).toString(), 'secret', 'tcpm_key at 136')
  t.throws(() => md5sigStruct('192.0.2.1', 'x'.repeat(81), 4), /longer than 80/)
})

t.test('sockopts: MD5 counters explain a mismatch', async (t) => {
  const before = { TCPMD5NotFound: 0, TCPMD5Unexpected: 0, TCPMD5Failure: 0 }
  t.match(explainMd5(before, { ...before, TCPMD5Failure: 3 }), /passwords differ/)
  t.match(explainMd5(before, { ...before, TCPMD5NotFound: 2 }), /peer has no password/)
  t.match(explainMd5(before, { ...before, TCPMD5Unexpected: 1 }), /no key is set/)
  t.match(explainMd5(null, before), /unavailable/)
  const live = readMd5Counters()
  if (live !== null) t.type(live.TCPMD5Failure, 'number', 'read from /proc/net/netstat')
  t.equal(normalizeAddress('::ffff:192.0.2.1'), '192.0.2.1')
  t.equal(normalizeAddress('2001:db8::1'), '2001:db8::1')
})

// Peer.localEndpoint (the Established connection's local address, for next hop self) and Peer.close()
// waiting for sockets that are already closing. Real TCP on loopback (127.0.0.2 <-> 127.0.0.3, random
// unprivileged ports); every wait bounded; peers and listeners closed in teardown.
import { connect, createServer, type Server, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { Peer } from '../../src/session/peer.js'
import { listenRandom, waitEvent, waitUntil } from './live-helpers.js'

const A = { addr: '127.0.0.2', as: 65001, id: '10.0.0.2' }
const B = { addr: '127.0.0.3', as: 65002, id: '10.0.0.3' }

async function pair(t: Test): Promise<{ a: Peer; b: Peer }> {
  const { listener: lb, port } = await listenRandom(B.addr)
  const common = { holdTimeSec: 3, connectRetrySec: 1, idleHoldSec: 1 }
  const a = new Peer({ session: { localAs: A.as, remoteAs: B.as, bgpId: A.id, ...common }, remoteAddress: B.addr, remotePort: port, localAddress: A.addr })
  const b = new Peer({ session: { localAs: B.as, remoteAs: A.as, bgpId: B.id, passive: true, ...common }, remoteAddress: A.addr })
  await lb.addPeer(b)
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()])
    await lb.close()
  })
  const up = Promise.all([waitEvent(a, 'established', 10_000), waitEvent(b, 'established', 10_000)])
  await Promise.all([a.start(), b.start()])
  await up
  return { a, b }
}

t.test('localEndpoint: the Established connection local address and port', async (t) => {
  const idle = new Peer({ session: { localAs: A.as, remoteAs: B.as, bgpId: A.id }, remoteAddress: B.addr })
  t.equal(idle.localEndpoint, null, 'no session: null')
  await idle.close()
  const { a, b } = await pair(t)
  const ea = a.localEndpoint
  const eb = b.localEndpoint
  t.equal(ea?.address, A.addr, 'the dialling side: its bound address')
  t.ok(ea !== null && ea.port > 0)
  t.equal(eb?.address, B.addr, 'the accepting side: the address the peer connected to')
  await a.close()
  t.equal(a.localEndpoint, null, 'closed: null')
})

t.test('close() resolves only once sockets already closing are closed', async (t) => {
  const { a, b } = await pair(t)
  const down = waitEvent(b, 'stateChange', 5000, (c) => c.from === 'Established')
  // stop() sends the Cease and closes the transport with flush: its socket lingers until the peer answers.
  const stopping = a.stop()
  t.ok(a.openSockets >= 1, 'the stopped session socket is still closing')
  await a.close()
  t.equal(a.openSockets, 0, 'close() waited for it')
  await stopping
  await down
  await waitUntil('B closed its side', () => b.openSockets === 0 || b.state !== 'Established', 5000)
})

t.test('close() toward a peer that never answers: its lingering socket is closed before close() resolves', async (t) => {
  // A listener that accepts and never speaks or closes: our FIN after the Cease gets no FIN back, so the socket
  // lingers (transport.ts) until it is destroyed.
  const accepted: Socket[] = []
  const srv: Server = createServer((s) => {
    accepted.push(s)
    s.on('error', () => {})
  })
  await new Promise<void>((resolve) => srv.listen(0, B.addr, resolve))
  t.teardown(async () => {
    for (const s of accepted) s.destroy()
    await new Promise<void>((resolve) => srv.close(() => resolve()))
  })
  const port = (srv.address() as { port: number }).port
  const a = new Peer({ session: { localAs: A.as, remoteAs: B.as, bgpId: A.id, connectRetrySec: 1 }, remoteAddress: B.addr, remotePort: port, localAddress: A.addr })
  await a.start()
  await waitUntil('A sent its OPEN', () => a.state === 'OpenSent', 5000, 10)
  t.ok(a.openSockets >= 1, 'the connection is tracked')
  await a.close()
  t.equal(a.openSockets, 0, 'every socket closed when close() resolves')
  t.equal(a.state, 'Idle')
  await a.close()
  t.pass('a second close() returns')
})

t.test('close() right after start(): the dial in progress is aborted, and closed before close() resolves', async (t) => {
  const { listener, port } = await listenRandom(B.addr)
  t.teardown(() => listener.close())
  const a = new Peer({ session: { localAs: A.as, remoteAs: B.as, bgpId: A.id, connectRetrySec: 1 }, remoteAddress: B.addr, remotePort: port, localAddress: A.addr })
  await a.start()
  t.equal(a.openSockets, 1, 'the connection attempt is tracked')
  await a.close()
  t.equal(a.openSockets, 0)
  t.equal(a.state, 'Idle')
})

t.test('a connection the peer refuses (not started) is closed and forgotten', async (t) => {
  const { listener, port } = await listenRandom(B.addr)
  const b = new Peer({ session: { localAs: B.as, remoteAs: A.as, bgpId: B.id, passive: true }, remoteAddress: A.addr })
  await listener.addPeer(b)
  t.teardown(async () => {
    await b.close()
    await listener.close()
  })
  const s = connect({ host: B.addr, port, localAddress: A.addr })
  s.on('error', () => {})
  await new Promise<void>((resolve) => s.once('close', () => resolve()))
  t.pass('refused: our side saw the connection closed')
  await waitUntil('the refused socket is closed on the peer side too', () => b.openSockets === 0, 5000, 10)
  t.equal(b.openSockets, 0)
})

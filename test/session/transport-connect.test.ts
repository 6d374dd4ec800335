// connectTcp (transport.ts) aborted while the connection is being made: it rejects only once its socket
// is closed, which Peer.close() relies on. Loopback only.
import { createServer } from 'node:net'
import t from 'tap'
import { connectTcp } from '../../src/session/transport.js'

t.test('an aborted connect rejects after its socket closed', async (t) => {
  const srv = createServer((s) => s.destroy())
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.3', resolve))
  t.teardown(() => new Promise<void>((resolve) => srv.close(() => resolve())))
  const ac = new AbortController()
  const p = connectTcp({ host: '127.0.0.3', port: (srv.address() as { port: number }).port, localAddress: '127.0.0.2', timeoutMs: 5000, signal: ac.signal })
  ac.abort()
  await t.rejects(p, /connect aborted/)
})

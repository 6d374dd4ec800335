// Run-time configuration on live sessions (loopback): updatePeer with a field that needs a new session
// (Cease / Other Configuration Change), import policy without kept pre-policy routes (ROUTE-REFRESH, RFC
// 2918), an IPv6 transport session (next hop self = the session's IPv6 address), async policies, errors.
import t from 'tap'
import { connect, established, makeNode, waitFor } from './helpers.js'

t.test('updatePeer: soft fields keep the session, others reset it', async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  await connect(a, b)
  await waitFor('Established', () => established(a, b.address) && established(b, a.address), 10_000)
  a.speaker.announce('192.0.2.0/24')
  await waitFor('route', () => b.speaker.bestPath('192.0.2.0/24'))
  await a.speaker.updatePeer(b.address, { nextHop: '192.0.2.254', description: 'router b' })
  await waitFor('new next hop', () => b.speaker.bestPath('192.0.2.0/24')?.attributes.nextHop === '192.0.2.254', 2000)
  t.equal(a.speaker.peers()[0]!.description, 'router b')
  t.equal(a.speaker.peers()[0]!.state, 'Established', 'no reset for a next hop change')
  const notes: string[] = []
  b.speaker.on('notification', (n) => notes.push(`${n.direction} ${n.name}`))
  await a.speaker.updatePeer(b.address, { holdTime: 6 })
  await waitFor('Cease at B', () => notes.length > 0)
  t.same(notes, ['received Cease / Other Configuration Change'])
  t.equal(b.speaker.peers()[0]!.lastError, 'NOTIFICATION received Cease / Other Configuration Change', 'last error in the summary')
  await waitFor('re-established', () => established(a, b.address) && established(b, a.address), 10_000)
  await waitFor('route again', () => b.speaker.bestPath('192.0.2.0/24')?.attributes.nextHop === '192.0.2.254', 5000)
  t.pass('the route comes back on the new session')
  await t.rejects(a.speaker.updatePeer('127.0.0.99', {}), /no peer/)
  await t.rejects(a.speaker.addPeer({ address: b.address, remoteAs: 1 }), /already configured/)
  t.equal(await a.speaker.removePeer('127.0.0.99'), false)
})

t.test('import policy without pre-policy routes: ROUTE-REFRESH; async policies', async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  await connect(a, b, {}, { keepPrePolicy: false })
  await waitFor('Established', () => established(a, b.address) && established(b, a.address), 10_000)
  a.speaker.announce(['192.0.2.0/24', '198.51.100.0/24'], { med: 1 })
  await waitFor('routes', () => b.speaker.bestPath('198.51.100.0/24'))
  t.equal(b.speaker.peers()[0]!.families.ipv4?.received, null, 'received is unknown without pre-policy routes')
  await b.speaker.setPolicy(a.address, {
    import: async (r) => {
      await new Promise((res) => setTimeout(res, 1))
      return r.prefix === '192.0.2.0/24' ? null : r
    },
  })
  await waitFor('rejected after the refresh', () => b.speaker.bestPath('192.0.2.0/24') === null, 3000)
  t.ok(b.speaker.bestPath('198.51.100.0/24'), 'the other one stays')
  await a.speaker.setPolicy(b.address, {
    export: async (r) => {
      r.attributes.communities.add('65001:9')
      return r
    },
  })
  await waitFor('async export policy applied', () => b.speaker.bestPath('198.51.100.0/24')?.attributes.communities?.includes('65001:9'), 3000)
  t.same(b.speaker.peers()[0]!.state, 'Established')
  const errs: string[] = []
  b.speaker.on('error', (e) => errs.push(e.error.message))
  await b.speaker.setPolicy(a.address, { import: (() => undefined) as never })
  a.speaker.announce('203.0.113.0/24')
  await waitFor('policy error reported', () => errs.length > 0, 3000)
  t.match(errs[0], /returned undefined/)
  t.throws(() => a.speaker.announce('300.1.2.0/24'), /bad prefix/)
  t.throws(() => a.speaker.bestPath('nope'), /bad prefix/)
})

t.test('IPv6 transport: next hop self is the session IPv6 address', async (t) => {
  const a = await makeNode(t, '::1', 65001, { routerId: '10.0.0.2' })
  const b = await makeNode(t, '::1', 65002, { routerId: '10.0.0.3' })
  await b.speaker.addPeer({ address: '::1', remoteAs: 65001, passive: true, families: ['ipv6'], holdTime: 3 })
  await a.speaker.addPeer({ address: '::1', remoteAs: 65002, port: b.port, families: ['ipv6'], holdTime: 3, connectRetry: 1 })
  await waitFor('Established', () => established(a, '::1') && established(b, '::1'), 10_000)
  a.speaker.announce('2001:db8:6::/48', { med: 4 })
  const r = await waitFor('route', () => b.speaker.bestPath('2001:db8:6::/48'))
  t.equal(r.attributes.nextHop, '::1')
  t.same(r.attributes.asPath, [65001])
  t.equal(a.speaker.peers()[0]!.families.ipv4, undefined, 'IPv4 not negotiated')
})

t.test('TCP MD5 (RFC 2385) and GTSM (RFC 5082) pass through to the session', { skip: process.getuid?.() === 0 ? false : 'needs root (setsockopt TCP_MD5SIG / IP_MINTTL)' }, async (t) => {
  const a = await makeNode(t, '127.0.0.2', 65001)
  const b = await makeNode(t, '127.0.0.3', 65002)
  await connect(a, b, { password: 'tsbgp-secret', ttlSecurity: true }, { password: 'tsbgp-secret', ttlSecurity: true })
  await waitFor('Established with MD5 + GTSM', () => established(a, b.address) && established(b, a.address), 10_000)
  a.speaker.announce('192.0.2.0/24')
  t.ok(await waitFor('route', () => b.speaker.bestPath('192.0.2.0/24')))
})

/**
 * Announce a service prefix to a BGP peer (the anycast use case in a dozen lines), until SIGINT/SIGTERM.
 *
 *   node --import tsx examples/announce.ts --peer 192.0.2.1 --peer-as 64500 --local-as 65001 \
 *        --router-id 10.0.0.2 --prefix 198.51.100.53/32 --med 10 --community 65001:53
 *
 * Options (or environment variables): --peer (PEER), --peer-as (PEER_AS), --peer-port (PEER_PORT, 179),
 * --local-address (LOCAL_ADDRESS), --local-as (LOCAL_AS), --router-id (ROUTER_ID), --prefix (PREFIX,
 * repeatable), --med (MED), --community (COMMUNITY, repeatable), --next-hop6 (NEXT_HOP6: needed to send IPv6
 * prefixes over an IPv4 session), --listen-port (LISTEN_PORT: also accept the peer's connection).
 * Prints one JSON line per event. In your own project: `import { Speaker } from 'tsbgp'`.
 */
import { parseArgs } from 'node:util'
import { Speaker } from '../src/index.js'

const { values } = parseArgs({
  options: {
    peer: { type: 'string', default: process.env.PEER },
    'peer-as': { type: 'string', default: process.env.PEER_AS },
    'peer-port': { type: 'string', default: process.env.PEER_PORT ?? '179' },
    'local-address': { type: 'string', default: process.env.LOCAL_ADDRESS },
    'local-as': { type: 'string', default: process.env.LOCAL_AS ?? '65001' },
    'router-id': { type: 'string', default: process.env.ROUTER_ID ?? '10.0.0.1' },
    prefix: { type: 'string', multiple: true, default: process.env.PREFIX?.split(',') ?? [] },
    med: { type: 'string', default: process.env.MED },
    community: { type: 'string', multiple: true, default: process.env.COMMUNITY?.split(',') ?? [] },
    'next-hop6': { type: 'string', default: process.env.NEXT_HOP6 },
    'listen-port': { type: 'string', default: process.env.LISTEN_PORT },
  },
})

const print = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n')
if (values.peer === undefined || values['peer-as'] === undefined || values.prefix.length === 0) {
  process.stderr.write('usage: announce.ts --peer ADDRESS --peer-as ASN --prefix PREFIX [--med N] [--community A:B] ...\n')
  process.exit(2)
}

const listenPort = values['listen-port']
const speaker = new Speaker({
  routerId: values['router-id'],
  localAs: Number(values['local-as']),
  listen: listenPort === undefined ? false : { address: values['local-address'] ?? '::', port: Number(listenPort) },
})
speaker.on('peerStateChange', (e) => print({ event: 'peerStateChange', peer: e.peer, from: e.from, to: e.to, reason: e.reason }))
speaker.on('notification', (n) => print({ event: 'notification', direction: n.direction, name: n.name, message: n.message }))
speaker.on('error', (e) => print({ event: 'error', peer: e.peer, message: e.error.message }))

await speaker.start()
const v6 = values.prefix.some((p) => p.includes(':'))
await speaker.addPeer({
  address: values.peer,
  remoteAs: Number(values['peer-as']),
  port: Number(values['peer-port']),
  localAddress: values['local-address'],
  connectRetry: 1,
  families: v6 ? ['ipv4', 'ipv6'] : ['ipv4'],
  nextHop6: values['next-hop6'],
})
speaker.announce(values.prefix, {
  med: values.med === undefined ? undefined : Number(values.med),
  communities: values.community,
})
print({ event: 'announced', prefixes: values.prefix })

const stop = (): void => {
  // Cease / Administrative Shutdown with an RFC 9003 message, then every socket and timer is released.
  void speaker.close('announce.ts stopped').then(() => print({ event: 'closed' }))
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

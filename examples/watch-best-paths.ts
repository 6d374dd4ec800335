/**
 * Watch the best paths a peer gives us, with the async iterator API; one JSON line per change.
 *
 *   node --import tsx examples/watch-best-paths.ts --peer 192.0.2.1 --peer-as 64500 --local-as 65002 \
 *        --router-id 10.0.0.3 [--listen-address 127.0.0.3 --listen-port 1179 --passive] [--count 10]
 *
 * Options (or environment variables): --peer (PEER), --peer-as (PEER_AS), --peer-port (PEER_PORT, 179),
 * --local-as (LOCAL_AS), --router-id (ROUTER_ID), --listen-address (LISTEN_ADDRESS), --listen-port
 * (LISTEN_PORT; 0 = any free port, printed), --passive (only accept the peer's connection), --count N
 * (exit after N changes). Stops on SIGINT/SIGTERM. In your own project: `import { Speaker } from 'tsbgp'`.
 */
import { parseArgs } from 'node:util'
import { Speaker } from '../src/index.js'

const { values } = parseArgs({
  options: {
    peer: { type: 'string', default: process.env.PEER },
    'peer-as': { type: 'string', default: process.env.PEER_AS },
    'peer-port': { type: 'string', default: process.env.PEER_PORT ?? '179' },
    'local-as': { type: 'string', default: process.env.LOCAL_AS ?? '65002' },
    'router-id': { type: 'string', default: process.env.ROUTER_ID ?? '10.0.0.2' },
    'listen-address': { type: 'string', default: process.env.LISTEN_ADDRESS },
    'listen-port': { type: 'string', default: process.env.LISTEN_PORT },
    passive: { type: 'boolean', default: process.env.PASSIVE === '1' },
    count: { type: 'string', default: process.env.COUNT },
  },
})

const print = (o: object): void => void process.stdout.write(JSON.stringify(o) + '\n')
if (values.peer === undefined || values['peer-as'] === undefined) {
  process.stderr.write('usage: watch-best-paths.ts --peer ADDRESS --peer-as ASN [--listen-port P] [--passive] [--count N]\n')
  process.exit(2)
}

const listening = values['listen-port'] !== undefined
const speaker = new Speaker({
  routerId: values['router-id'],
  localAs: Number(values['local-as']),
  listen: listening ? { address: values['listen-address'] ?? '::', port: Number(values['listen-port']) } : false,
})
await speaker.start()
if (speaker.listenAddress !== null) print({ event: 'listening', ...speaker.listenAddress })
await speaker.addPeer({
  address: values.peer,
  remoteAs: Number(values['peer-as']),
  port: Number(values['peer-port']),
  passive: values.passive,
  localAddress: values['listen-address'],
  connectRetry: 1,
  families: ['ipv4', 'ipv6'],
})

const stop = (): void => void speaker.close('watch-best-paths.ts stopped')
process.once('SIGINT', stop)
process.once('SIGTERM', stop)

// The iterator ends when the speaker is closed.
let n = 0
const limit = values.count === undefined ? Infinity : Number(values.count)
for await (const c of speaker.events('bestPathChange')) {
  const a = c.best?.attributes
  print({ event: 'bestPathChange', prefix: c.prefix, reachable: c.best !== null, from: c.best?.peer, nextHop: a?.nextHop, asPath: a?.asPath, med: a?.med, communities: a?.communities, multipath: c.multipath.length })
  if (++n >= limit) break
}
await speaker.close('watch-best-paths.ts done')
print({ event: 'closed' })

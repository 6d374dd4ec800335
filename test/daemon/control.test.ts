/**
 * Control API: ControlServer + client + CLI commands over a Unix socket in a temp dir, with a
 * fake ControlHandler. Every command round trip (--json and table), 100k-row streaming with
 * back-pressure, and the failure cases (no daemon, stale / live / foreign socket file, mode,
 * oversize request, busy, timeout, protocol errors).
 */
import t, { type Test } from 'tap'
import { chmodSync, existsSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createConnection, createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { main } from '../../src/cli/main.js'
import { controlRequest, controlStream, ControlClientError } from '../../src/daemon/control/client.js'
import type { ControlHandler, NeighborRow, RouteRow, ServiceRow, StatusInfo } from '../../src/daemon/control/handler.js'
import { ControlError, LineSplitter, parseRequest, type ControlAnnounceAttributes, type RoutesQuery } from '../../src/daemon/control/protocol.js'
import { ControlServer } from '../../src/daemon/control/server.js'
import { serviceRow } from '../../src/daemon/control/rows.js'
import type { ServiceConfig } from '../../src/daemon/config/types.js'
import { serviceMachineConfig, startService, stepService } from '../../src/daemon/service-state.js'
import type { RouteAttributes, RouteInfo } from '../../src/speaker/events.js'
import type { PeerSummary } from '../../src/speaker/peer-state.js'

// The control rows must accept the Speaker's public types unchanged (the daemon passes them through).
const _peerRow: NeighborRow = {} as PeerSummary
const _routeRow: RouteRow = {} as RouteInfo
const _attrs: RouteRow['attributes'] = {} as RouteAttributes
void [_peerRow, _routeRow, _attrs]

const tmp = mkdtempSync(join(tmpdir(), 'tsbgp-ctl-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))
let nSock = 0
const sockPath = (): string => join(tmp, `d${nSock++}`, 'tsbgp.sock')

const NOW = 1_800_000_000_000

const STATUS: StatusInfo = {
  version: '0.1.0', pid: 4242, startedAt: NOW - 90_061_000, routerId: '192.0.2.11', localAs: 65011,
  configFile: '/etc/tsbgp.yaml', configLoadedAt: NOW - 125_000,
  neighbors: { total: 2, established: 1 }, services: { total: 2, up: 1, announced: 1 }, routes: { ipv4: 950123, ipv6: 210004 },
  instance: { id: 11, largeCommunity: '65011:11:0', uniquePrefixes: ['203.0.113.11/32', '2001:db8:fffe::11/128'] },
}

const NEIGHBORS: NeighborRow[] = [
  {
    address: '192.0.2.1', remoteAs: 65000, description: 'border-a', state: 'Established', uptimeMs: 3_723_000,
    lastChangeAt: NOW - 3_723_000, lastError: null, peerRouterId: '192.0.2.1',
    families: { ipv4: { received: 950123, accepted: 950000, best: 949000, advertised: 2 }, ipv6: { received: null, accepted: 210004, best: 210004, advertised: 1 } },
    updatesIn: 123456, updatesOut: 3,
  },
  {
    address: '2001:db8::2', remoteAs: 65000, state: 'Active', uptimeMs: 0, lastChangeAt: NOW - 5000,
    lastError: 'NOTIFICATION received Cease / Administrative Reset', peerRouterId: null, families: {},
  },
]

const SERVICES: ServiceRow[] = [
  {
    name: 'dns', state: 'up', since: NOW - 42_000, announced: true, health: 'up',
    prefixes: ['198.51.100.53/32', '2001:db8:53::53/128'], uniquePrefixes: [],
    checks: [{ name: 'dig', kind: 'exec', status: 'up', passes: 12, fails: 0, detail: 'exit 0', lastDurationMs: 7 }],
    maintenance: [], med: 100, reason: 'check dig passed 3 time(s) in a row (rise 3)',
  },
  {
    name: 'web', state: 'draining', since: NOW - 3000, announced: true, health: 'up', prefixes: ['198.51.100.80/32'], uniquePrefixes: ['198.51.100.111/32'],
    checks: [], maintenance: ['admin'], med: null, reason: 'maintenance on (admin)',
  },
]

function route(i: number): RouteRow {
  return {
    prefix: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`, family: 'ipv4', peer: '192.0.2.1', peerAs: 65000, source: 'bgp',
    best: true, stale: false, attributes: { origin: 'igp', asPath: [65000, 64500 + (i % 7)], nextHop: '192.0.2.1', med: i % 3, communities: ['65000:1'] },
  }
}

class FakeHandler implements ControlHandler {
  calls: Array<[string, ...unknown[]]> = []
  produced = 0
  routesClosed = false
  routeCount = 3
  /** Served instead of generated rows when set. */
  customRows: RouteRow[] | null = null
  statusHang = false
  routes(q: RoutesQuery, signal: AbortSignal): AsyncIterable<RouteRow> {
    this.calls.push(['routes', q])
    const self = this
    self.produced = 0
    self.routesClosed = false
    return (async function* () {
      try {
        if (q.neighbor === '192.0.2.99') throw new ControlError('not-found', 'no neighbor 192.0.2.99')
        if (self.customRows !== null) {
          yield* self.customRows
          return
        }
        for (let i = 0; i < self.routeCount; i++) {
          if (signal.aborted) return
          if (q.neighbor === 'fail-half-way' && i === 2) throw new Error('table walk broke')
          self.produced++
          yield route(i)
        }
      } finally {
        self.routesClosed = true
      }
    })()
  }
  async status(): Promise<StatusInfo> {
    this.calls.push(['status'])
    if (this.statusHang) return new Promise(() => {})
    return STATUS
  }
  neighbors(): NeighborRow[] {
    this.calls.push(['neighbors'])
    return NEIGHBORS
  }
  services(): ServiceRow[] {
    this.calls.push(['services'])
    return SERVICES
  }
  announce(prefix: string, attributes: ControlAnnounceAttributes) {
    this.calls.push(['announce', prefix, attributes])
    if (prefix === 'bogus') throw new ControlError('invalid', 'bad prefix "bogus"')
    if (prefix === '10.0.0.1/8') throw new RangeError('announce attributes: host bits set in 10.0.0.1/8')
    return { prefix, family: 'ipv4' as const, changed: prefix !== '198.51.100.0/24' }
  }
  withdraw(prefix: string) {
    this.calls.push(['withdraw', prefix])
    return { prefix, changed: prefix === '203.0.113.0/24' }
  }
  drain(service: string | null) {
    this.calls.push(['drain', service])
    if (service === 'nope') throw new ControlError('not-found', 'no service nope')
    return { services: service === null ? [{ name: 'dns', state: 'draining' as const }, { name: 'web', state: 'maintenance' as const }] : [{ name: service, state: 'draining' as const }] }
  }
  undrain(service: string | null) {
    this.calls.push(['undrain', service])
    return { services: [{ name: service ?? 'dns', state: 'up' as const }] }
  }
  reload() {
    this.calls.push(['reload'])
    return { changes: ['neighbor 192.0.2.3 added', 'service dns: med 100 -> 200'], warnings: ['/etc/tsbgp.yaml:9:3: services[0].local-pref: not sent'] }
  }
}

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.text += chunk.toString()
    cb()
  }
}

async function cli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; out: string; err: string }> {
  const out = new Capture()
  const err = new Capture()
  const code = await main(argv, { out, err, env, now: () => NOW })
  return { code, out: out.text, err: err.text }
}

async function startServer(t: Test, h: ControlHandler, o: Partial<ConstructorParameters<typeof ControlServer>[1]> = {}): Promise<ControlServer> {
  const s = new ControlServer(h, { path: sockPath(), ...o })
  await s.listen()
  t.teardown(() => s.close())
  return s
}

/** A raw connection: write `data`, collect the reply lines until the server closes (bounded wait). */
async function raw(path: string, data: string | Buffer, waitMs = 2000): Promise<{ lines: any[]; closed: boolean }> {
  const s: Socket = createConnection(path)
  let buf = ''
  let closed = false
  s.on('data', (c: Buffer) => (buf += c.toString()))
  s.on('error', () => {})
  const done = new Promise<void>((r) => s.on('close', () => ((closed = true), r())))
  s.write(data)
  await Promise.race([done, sleep(waitMs)])
  s.destroy()
  return { lines: buf.split('\n').filter(Boolean).map((l) => JSON.parse(l)), closed }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (!cond() && Date.now() < end) await sleep(10)
  return cond()
}

async function exitCodeOf(p: Promise<unknown>): Promise<{ exitCode: number; message: string } | null> {
  try {
    await p
    return null
  } catch (e) {
    return e instanceof ControlClientError ? { exitCode: e.exitCode, message: e.message } : { exitCode: -1, message: String(e) }
  }
}

t.test('every command round trip: --json and tables', async (t) => {
  const h = new FakeHandler()
  const s = await startServer(t, h)
  const sock = ['--socket', s.path]
  t.equal(statSync(s.path).mode & 0o777, 0o600, 'socket mode 0600')

  let r = await cli(['status', ...sock, '--json'])
  t.equal(r.code, 0)
  t.same(JSON.parse(r.out), STATUS)
  r = await cli(['status', ...sock])
  t.equal(r.out, [
    'version:    0.1.0',
    'pid:        4242',
    'uptime:     1d1h',
    'router-id:  192.0.2.11',
    'local-as:   65011',
    'config:     /etc/tsbgp.yaml (loaded 2m5s ago)',
    'neighbors:  1/2 established',
    'services:   1/2 up, 1 announced',
    'routes:     950123 ipv4, 210004 ipv6',
    'instance:   id 11, large community 65011:11:0',
    'unique:     203.0.113.11/32, 2001:db8:fffe::11/128',
    '',
  ].join('\n'))

  r = await cli(['neighbors', ...sock, '--json'])
  t.same(JSON.parse(r.out), NEIGHBORS)
  r = await cli(['neighbors', ...sock])
  t.equal(r.out, [
    'NEIGHBOR     DESCRIPTION     AS  STATE        UPTIME  FAMILY  RECEIVED  ACCEPTED    BEST  ADVERTISED  LAST ERROR',
    '192.0.2.1    border-a     65000  Established    1h2m  ipv4      950123    950000  949000           2  -',
    '192.0.2.1    border-a     65000  Established    1h2m  ipv6           -    210004  210004           1  -',
    '2001:db8::2  -            65000  Active            -  -              -         -       -           -  NOTIFICATION received Cease / Administrative Reset',
    '',
  ].join('\n'))

  r = await cli(['services', ...sock, '--json'])
  t.same(JSON.parse(r.out), SERVICES)
  r = await cli(['services', ...sock])
  t.equal(r.out, [
    'SERVICE  STATE     SINCE  ANNOUNCED  MED  PREFIXES                              CHECKS  REASON',
    'dns      up          42s  yes        100  198.51.100.53/32,2001:db8:53::53/128  dig:up  check dig passed 3 time(s) in a row (rise 3)',
    'web      draining     3s  yes          -  198.51.100.80/32,198.51.100.111/32    -       maintenance on (admin)',
    '',
  ].join('\n'))

  r = await cli(['routes', ...sock, '--json'])
  t.same(r.out.trim().split('\n').map((l) => JSON.parse(l)), [route(0), route(1), route(2)], 'NDJSON rows')
  r = await cli(['routes', ...sock])
  t.equal(r.out, [
    '   PREFIX       FROM       NEXT HOP   MED  LOCPRF  AS PATH        COMMUNITIES',
    '*  10.0.0.0/32  192.0.2.1  192.0.2.1    0       -  65000 64500 i  65000:1',
    '*  10.0.0.1/32  192.0.2.1  192.0.2.1    1       -  65000 64501 i  65000:1',
    '*  10.0.0.2/32  192.0.2.1  192.0.2.1    2       -  65000 64502 i  65000:1',
    '',
  ].join('\n'))
  r = await cli(['routes', ...sock, '--received', '--neighbor', '192.0.2.1', '--family', 'ipv4', '--pre-policy'])
  t.equal(r.code, 0)
  t.same(h.calls.at(-1), ['routes', { view: 'received', neighbor: '192.0.2.1', family: 'ipv4', prePolicy: true }])
  r = await cli(['routes', ...sock, '--advertised'])
  t.match(r.out, /^ {3}PREFIX +TO +NEXT HOP/)
  t.same(h.calls.at(-1), ['routes', { view: 'advertised' }])
  const before = h.calls.length
  r = await cli(['announce', ...sock])
  t.equal(r.code, 64, 'missing prefix: usage error')
  t.equal(h.calls.length, before, 'and the command did not run')
  r = await cli(['neighbors', ...sock, '--bogus'])
  t.equal(r.code, 64)
  t.match(r.err, /^tsbgp: Unknown argument/)
  r = await cli(['routes', ...sock, '--received', '--advertised'])
  t.equal(r.code, 64, 'conflicting options')
  t.equal(r.err, 'tsbgp: give at most one of --received, --advertised\n')

  r = await cli(['announce', '203.0.113.0/24', ...sock, '--med', '50', '--local-pref', '200', '--community', '65000:1', '--community', 'no-export',
    '--large-community', '65546:1:2', '--as-path', '65010 65020', '--origin', 'egp', '--next-hop', '192.0.2.11'])
  t.equal(r.out, 'announced 203.0.113.0/24 (ipv4)\n')
  t.same(h.calls.at(-1), ['announce', '203.0.113.0/24', {
    med: 50, localPref: 200, communities: ['65000:1', 'no-export'], largeCommunities: ['65546:1:2'], asPath: [65010, 65020], origin: 'egp', nextHop: '192.0.2.11',
  }])
  r = await cli(['announce', '198.51.100.0/24', ...sock])
  t.equal(r.out, '198.51.100.0/24 already announced with these attributes\n')
  t.same(h.calls.at(-1), ['announce', '198.51.100.0/24', {}])
  r = await cli(['announce', '198.51.100.0/24', ...sock, '--json'])
  t.same(JSON.parse(r.out), { prefix: '198.51.100.0/24', family: 'ipv4', changed: false })
  r = await cli(['announce', '198.51.100.0/24', ...sock, '--as-path', '65010 x'])
  t.equal(r.code, 64)
  t.match(r.err, /--as-path 65010 x/)
  r = await cli(['announce', 'bogus', ...sock])
  t.equal(r.code, 65, 'invalid -> EX_DATAERR')
  t.equal(r.err, 'tsbgp: bad prefix "bogus"\n')
  r = await cli(['announce', '10.0.0.1/8', ...sock])
  t.equal(r.code, 65, 'a RangeError from the Speaker is the caller\'s fault')
  t.equal(r.err, 'tsbgp: announce attributes: host bits set in 10.0.0.1/8\n')

  r = await cli(['withdraw', '203.0.113.0/24', ...sock])
  t.equal(r.out, 'withdrawn 203.0.113.0/24\n')
  r = await cli(['withdraw', '192.0.2.0/24', ...sock])
  t.equal(r.out, '192.0.2.0/24 was not announced through the control API\n')
  r = await cli(['withdraw', '192.0.2.0/24', ...sock, '--json'])
  t.same(JSON.parse(r.out), { prefix: '192.0.2.0/24', changed: false })

  r = await cli(['drain', ...sock])
  t.equal(r.out, 'drain: dns (draining), web (maintenance)\n')
  t.same(h.calls.at(-1), ['drain', null])
  r = await cli(['drain', 'dns', ...sock])
  t.equal(r.out, 'drain: dns (draining)\n')
  t.same(h.calls.at(-1), ['drain', 'dns'])
  r = await cli(['drain', 'nope', ...sock])
  t.equal(r.code, 1)
  t.equal(r.err, 'tsbgp: no service nope\n')
  r = await cli(['undrain', ...sock])
  t.equal(r.out, 'undrain: dns (up)\n')
  t.same(h.calls.at(-1), ['undrain', null])
  r = await cli(['undrain', 'web', ...sock, '--json'])
  t.same(JSON.parse(r.out), { services: [{ name: 'web', state: 'up' }] })

  r = await cli(['reload', ...sock])
  t.equal(r.out, 'configuration reloaded: 2 change(s)\n  neighbor 192.0.2.3 added\n  service dns: med 100 -> 200\n')
  t.equal(r.err, 'tsbgp: warning: /etc/tsbgp.yaml:9:3: services[0].local-pref: not sent\n')
  r = await cli(['reload', ...sock, '--json'])
  t.same(JSON.parse(r.out).changes.length, 2)

  // TSBGP_SOCKET instead of --socket
  r = await cli(['status', '--json'], { TSBGP_SOCKET: s.path })
  t.equal(r.code, 0)
  t.same(JSON.parse(r.out), STATUS)

  t.same(await controlRequest(s.path, { cmd: 'ping' }), { pong: true, v: 1, pid: process.pid }, 'ping')
})

t.test('routes: a failing stream and an unknown neighbor', async (t) => {
  const h = new FakeHandler()
  const s = await startServer(t, h)
  let r = await cli(['routes', '--socket', s.path, '--received', '--neighbor', '192.0.2.99'])
  t.equal(r.code, 1)
  t.equal(r.err, 'tsbgp: no neighbor 192.0.2.99\n')
  t.equal(r.out, '', 'nothing printed before the error')
  h.routeCount = 5
  r = await cli(['routes', '--socket', s.path, '--received', '--neighbor', 'fail-half-way', '--json'])
  t.equal(r.code, 70, 'internal error -> EX_SOFTWARE')
  t.equal(r.err, 'tsbgp: table walk broke\n')
  t.equal(r.out.trim().split('\n').length, 2, 'the rows before the failure were printed')
})

t.test('streaming 100k rows: back-pressure bounds what the daemon produces ahead, loop keeps running', async (t) => {
  const h = new FakeHandler()
  h.routeCount = 100_000
  const s = await startServer(t, h)

  // Slow reader: the daemon's generator must stop being pulled while the socket is full.
  const it = controlStream(s.path, { cmd: 'routes', view: 'best' })
  let consumed = 0
  for (;;) {
    const r = await it.next()
    if (r.done) break
    consumed++
    if (consumed === 1000) break
  }
  t.equal(consumed, 1000)
  await sleep(300)
  const ahead = h.produced - consumed
  t.ok(ahead < 20_000, `daemon is at most socket buffers ahead of the reader (${ahead} rows)`)
  t.ok(h.produced < 100_000, 'not the whole table')
  await it.return(0) // the full count is checked through the CLI below
  t.ok(await waitFor(() => h.routesClosed, 2000), 'daemon generator closed')

  // Fast reader through the CLI; a timer must keep firing while the table goes out.
  let maxGap = 0
  let last = performance.now()
  const tick = setInterval(() => {
    const n = performance.now()
    maxGap = Math.max(maxGap, n - last)
    last = n
  }, 5)
  const started = performance.now()
  const r = await cli(['routes', '--socket', s.path, '--json'])
  clearInterval(tick)
  t.equal(r.code, 0)
  let lines = 0
  for (let i = r.out.indexOf('\n'); i >= 0; i = r.out.indexOf('\n', i + 1)) lines++
  t.equal(lines, 100_000, '100k NDJSON rows')
  t.ok(maxGap < 250, `event loop never blocked long (max gap ${maxGap.toFixed(1)} ms over ${(performance.now() - started).toFixed(0)} ms)`)

  h.routeCount = 10_000
  const table = await cli(['routes', '--socket', s.path])
  t.equal(table.code, 0)
  const tl = table.out.split('\n')
  t.equal(tl.length, 10_002, 'header + 10k rows + final newline')
  t.equal(tl[0]!.indexOf('FROM'), tl[150]!.indexOf('192.0.2.1'), 'sampled rows aligned')
  t.equal(tl[0]!.indexOf('FROM'), tl[301]!.indexOf('192.0.2.1'), 'later rows use the sampled widths')
})

t.test('routes table: flags, AS_SET, local routes; slow and closed stdout', async (t) => {
  const h = new FakeHandler()
  const s = await startServer(t, h)
  h.customRows = [
    { prefix: '198.51.100.0/24', family: 'ipv4', peer: '', source: 'api', best: true, attributes: { origin: 'igp', asPath: [] } },
    {
      prefix: '203.0.113.0/24', family: 'ipv4', peer: '192.0.2.1', source: 'bgp', best: false, stale: true,
      attributes: { origin: 'incomplete', asPathSegments: [{ type: 'AS_SEQUENCE', asns: [65000, 65001] }, { type: 'AS_SET', asns: [1, 2] }], localPref: 100, largeCommunities: ['65546:1:2'] },
    },
    { prefix: '2001:db8::/32', family: 'ipv6', peer: '2001:db8::2', attributes: {} },
  ]
  const r = await cli(['routes', '--socket', s.path])
  t.equal(r.out, [
    '    PREFIX           FROM         NEXT HOP  MED  LOCPRF  AS PATH              COMMUNITIES',
    '*   198.51.100.0/24  local        -           -       -  i                    -',
    '=s  203.0.113.0/24   192.0.2.1    -           -     100  65000 65001 {1,2} ?  65546:1:2',
    '    2001:db8::/32    2001:db8::2  -           -       -  -                    -',
    '',
  ].join('\n'))

  h.customRows = null
  h.routeCount = 20_000
  // A stdout that pushes back: the CLI waits for 'drain' instead of buffering everything.
  let maxBuffered = 0
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(_chunk: Buffer, _enc, cb) {
      maxBuffered = Math.max(maxBuffered, slow.writableLength)
      setImmediate(cb)
    },
  })
  t.equal(await main(['routes', '--socket', s.path, '--json'], { out: slow, err: new Capture(), env: {} }), 0)
  t.ok(maxBuffered < 256 * 1024, `stdout buffer stayed small (${maxBuffered} bytes)`)

  // A stdout that is gone (EPIPE from \`| head\`): the CLI stops reading and the daemon stops walking.
  h.routeCount = 1_000_000
  let writes = 0
  const broken = new Writable({
    write(_chunk, _enc, cb) {
      writes++
      cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))
    },
  })
  t.equal(await main(['routes', '--socket', s.path, '--json'], { out: broken, err: new Capture(), env: {} }), 0)
  t.ok(writes >= 1)
  const end = Date.now() + 2000
  while (!h.routesClosed && Date.now() < end) await sleep(10)
  t.ok(h.routesClosed && h.produced < 500_000, `daemon stopped after ${h.produced} rows`)
})

t.test('client going away stops the daemon walking the table', async (t) => {
  const h = new FakeHandler()
  h.routeCount = 1_000_000
  const s = await startServer(t, h)
  let n = 0
  for await (const _ of controlStream(s.path, { cmd: 'routes', view: 'best' })) if (++n === 10) break
  const end = Date.now() + 2000
  while (!h.routesClosed && Date.now() < end) await sleep(10)
  t.ok(h.routesClosed, 'generator closed')
  t.ok(h.produced < 200_000, `stopped early (${h.produced})`)
  t.equal(s.clientCount, 0)
})

t.test('no daemon: clear message and exit 69', async (t) => {
  const path = join(tmp, 'nothing-here', 'tsbgp.sock')
  let r = await cli(['status', '--socket', path])
  t.equal(r.code, 69)
  t.equal(r.err, `tsbgp: no daemon is listening on ${path} (is \`tsbgp run\` running? see --socket)\n`)
  r = await cli(['routes', '--socket', path])
  t.equal(r.code, 69)
  // default socket path appears in the message when nothing is given
  r = await cli(['neighbors'], {})
  if (!existsSync('/run/tsbgp/tsbgp.sock')) {
    t.equal(r.err, 'tsbgp: no daemon is listening on /run/tsbgp/tsbgp.sock (is `tsbgp run` running? see --socket)\n')
    t.equal(r.code, 69)
  }
  t.match(await exitCodeOf(controlRequest(path, { cmd: 'ping' })), { exitCode: 69 })
})

/** A socket file nobody listens on: Node unlinks on close, so move the file away first. */
async function staleSocketAt(path: string): Promise<void> {
  const live = join(tmp, `live-${nSock++}.sock`)
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(live, r))
  renameSync(live, path)
  await new Promise<void>((r) => srv.close(() => r()))
}

t.test('stale socket removed; live socket refused; foreign file kept', async (t) => {
  const h = new FakeHandler()
  const first = await startServer(t, h)
  const path = first.path
  await first.close()
  t.notOk(existsSync(path), 'socket file removed on close')

  await staleSocketAt(path)
  t.ok(statSync(path).isSocket(), 'stale socket present')
  let r = await cli(['status', '--socket', path])
  t.equal(r.code, 69, 'a refused connect is "no daemon" too')
  const s = new ControlServer(h, { path, mode: 0o660 })
  await s.listen()
  t.teardown(() => s.close())
  t.equal(statSync(path).mode & 0o777, 0o660, 'configured mode applied')
  r = await cli(['status', '--socket', path, '--json'])
  t.equal(r.code, 0, 'new daemon answers on the old path')

  const second = new ControlServer(h, { path })
  await t.rejects(second.listen(), /another tsbgp daemon is listening on/)
  t.same(await controlRequest(path, { cmd: 'ping' }), { pong: true, v: 1, pid: process.pid }, 'the live daemon is untouched')
  await t.rejects(s.listen(), /already listening/)

  const file = join(tmp, 'regular-file')
  writeFileSync(file, 'keep me')
  await t.rejects(new ControlServer(h, { path: file }).listen(), /exists and is not a socket/)
  t.ok(existsSync(file), 'not removed')
})

t.test('close() leaves a newer daemon\'s socket alone', async (t) => {
  const h = new FakeHandler()
  const a = await startServer(t, h)
  const path = a.path
  renameSync(path, path + '.old')
  await staleSocketAt(path) // another file took the path
  await a.close()
  t.ok(existsSync(path), 'not ours: kept')
})

t.test('bounds: oversize request, busy, timeout, idle', async (t) => {
  const h = new FakeHandler()
  // idle timeout long enough that the two idle clients still hold their slots under a loaded CI
  const s = await startServer(t, h, { maxClients: 2, requestTimeoutMs: 100, idleTimeoutMs: 1000 })

  const big = await raw(s.path, Buffer.alloc(70 * 1024, 0x61))
  t.same(big.lines, [{ v: 1, id: 0, error: { code: 'too-large', message: 'request larger than 65536 bytes' } }])
  t.ok(big.closed, 'connection closed')
  const bigLine = await raw(s.path, `{"v":1,"id":1,"cmd":"ping","pad":"${'x'.repeat(70 * 1024)}"}\n`)
  t.equal(bigLine.lines[0].error.code, 'too-large', 'also with a newline at the end')

  const a = createConnection(s.path)
  const b = createConnection(s.path)
  a.on('error', () => {})
  b.on('error', () => {})
  await Promise.all([new Promise((r) => a.once('connect', r)), new Promise((r) => b.once('connect', r))])
  const end = Date.now() + 2000
  while (s.clientCount < 2 && Date.now() < end) await sleep(5)
  const third = await raw(s.path, '{"v":1,"id":1,"cmd":"ping"}\n')
  t.equal(third.lines[0].error.code, 'busy')
  let r = await cli(['status', '--socket', s.path])
  t.equal(r.code, 75, 'busy -> EX_TEMPFAIL')
  t.match(r.err, /too many control clients \(limit 2\)/)
  // idle clients are dropped after idleTimeoutMs
  t.ok(await waitFor(() => s.clientCount === 0, 5000), 'idle clients dropped')
  a.destroy()
  b.destroy()

  h.statusHang = true
  r = await cli(['status', '--socket', s.path])
  t.equal(r.code, 75)
  t.equal(r.err, 'tsbgp: status: no answer from the daemon within 100 ms\n')
})

t.test('stream: sync iterables, a stalled generator times out, handler faults reported', async (t) => {
  const h = new FakeHandler()
  const faults: Error[] = []
  const s = await startServer(t, h, { requestTimeoutMs: 150, rowsPerYield: 1, onError: (e) => faults.push(e) })
  let returned = false
  const hh: ControlHandler = h
  hh.routes = (q: RoutesQuery) => {
    if (q.view === 'best') return [route(0), route(1)] // a plain array: sync iterable
    return {
      [Symbol.asyncIterator]: () => {
        let i = 0
        return {
          next: () => (i++ === 0 ? Promise.resolve({ done: false as const, value: route(7) }) : new Promise<IteratorResult<RouteRow>>(() => {})),
          return: () => {
            returned = true
            return Promise.resolve({ done: true as const, value: undefined })
          },
        }
      },
    }
  }
  let r = await cli(['routes', '--socket', s.path, '--json'])
  t.equal(r.code, 0)
  t.equal(r.out.trim().split('\n').length, 2)
  r = await cli(['routes', '--socket', s.path, '--json', '--received'])
  t.equal(r.code, 75, 'timeout -> EX_TEMPFAIL')
  t.equal(r.err, 'tsbgp: routes: no answer from the daemon within 150 ms\n')
  t.same(JSON.parse(r.out), route(7), 'the row before the stall was printed')
  t.ok(returned, 'the stalled iterator was closed')

  hh.neighbors = () => {
    throw new TypeError('boom')
  }
  r = await cli(['neighbors', '--socket', s.path])
  t.equal(r.code, 70)
  t.equal(r.err, 'tsbgp: boom\n')
  t.match(faults, [{ message: 'boom' }], 'internal faults go to onError for the daemon log')
  hh.services = () => Promise.reject('a string') // eslint-disable-line prefer-promise-reject-errors
  r = await cli(['services', '--socket', s.path])
  t.equal(r.err, 'tsbgp: a string\n')
})

t.test('listen: path too long, unwritable parent', async (t) => {
  const h = new FakeHandler()
  await t.rejects(new ControlServer(h, { path: join(tmp, 'x'.repeat(120)) }).listen(), /longer than 107 bytes/)
  const file = join(tmp, `plain-${nSock++}`)
  writeFileSync(file, '')
  await t.rejects(new ControlServer(h, { path: join(file, 'tsbgp.sock') }).listen(), { code: /^(EEXIST|ENOTDIR)$/ })
})

t.test('protocol: bad lines, version, pipelining', async (t) => {
  const h = new FakeHandler()
  const s = await startServer(t, h, { idleTimeoutMs: 200 })
  const r = await raw(s.path, [
    'not json',
    '[1]',
    '{"id":3,"cmd":"ping"}',
    '{"v":2,"id":4,"cmd":"ping"}',
    '{"v":1,"id":5,"cmd":"shutdown"}',
    '{"v":1,"id":6,"cmd":"routes","view":"all"}',
    '{"v":1,"id":7,"cmd":"announce"}',
    '',
    '{"v":1,"id":8,"cmd":"ping"}',
    '{"v":1,"id":9,"cmd":"routes","view":"best"}',
    '{"v":1,"id":10,"cmd":"status"}',
  ].join('\n') + '\n', 1000)
  const codes = r.lines.map((l) => [l.id, l.error?.code ?? (l.result ? 'result' : l.row ? 'row' : l.end ? 'end' : '?')])
  t.same(codes, [
    [0, 'bad-request'], [0, 'bad-request'], [3, 'bad-request'], [4, 'version'], [5, 'unknown-command'], [6, 'bad-request'], [7, 'bad-request'],
    [8, 'result'], [9, 'row'], [9, 'row'], [9, 'row'], [9, 'end'], [10, 'result'],
  ], 'answers in request order')
  t.match(r.lines[3].error.message, /protocol version 2 not supported/)
  t.same(r.lines[11].end, { rows: 3 })

  // A client that half-closes after its request (socat, nc -N) still gets every answer.
  const half = createConnection(s.path)
  let got = ''
  half.on('data', (d: Buffer) => (got += d.toString()))
  const closed = new Promise<void>((r) => half.on('close', () => r()))
  half.end('{"v":1,"id":1,"cmd":"ping"}\n{"v":1,"id":2,"cmd":"routes","view":"best"}\n')
  await Promise.race([closed, sleep(2000)])
  t.same(got.trim().split('\n').map((l) => Object.keys(JSON.parse(l)).pop()), ['result', 'row', 'row', 'row', 'end'], 'half-closed client answered, then closed')

  for (const [line, msg] of [
    ['{"v":1,"id":1,"cmd":"routes","view":"best","neighbor":1}', /neighbor must be a string/],
    ['{"v":1,"id":1,"cmd":"routes","view":"best","family":"ipx"}', /family must be/],
    ['{"v":1,"id":1,"cmd":"routes","view":"best","prePolicy":"yes"}', /prePolicy must be a boolean/],
    ['{"v":1,"id":1,"cmd":"announce","prefix":"x","attributes":[]}', /attributes must be an object/],
    ['{"v":1,"id":1,"cmd":"withdraw"}', /prefix must be a string/],
    ['{"v":1,"id":1,"cmd":"drain","service":5}', /service must be a string/],
  ] as const) {
    const p = parseRequest(line)
    t.ok(!p.ok && p.error.code === 'bad-request' && msg.test(p.error.message), line)
  }
})

t.test('client: protocol errors from something that is not a daemon', async (t) => {
  const dir = join(tmp, `fake-${nSock++}`)
  const { mkdirSync } = await import('node:fs')
  mkdirSync(dir)
  const modes: Array<[string, (s: Socket) => void]> = [
    ['closes at once', (s) => s.end()],
    ['sends garbage', (s) => s.end('hello\n')],
    ['sends a number', (s) => s.end('42\n')],
    ['answers another id', (s) => s.end('{"v":1,"id":999999,"result":{}}\n')],
    ['sends an unknown error code', (s) => s.end('{"v":1,"id":1,"error":{"code":"weird","message":"odd"}}\n')],
  ]
  for (const [name, behave] of modes) {
    const path = join(dir, `${modes.findIndex((m) => m[0] === name)}.sock`)
    const srv = createServer((s) => s.once('data', () => behave(s)))
    await new Promise<void>((r) => srv.listen(path, r))
    const r = await cli(['status', '--socket', path])
    await new Promise<void>((r) => srv.close(() => r()))
    t.equal(r.code, name === 'sends an unknown error code' ? 70 : 76, `${name}: ${r.err.trim()}`)
  }
  // a stream that ends without its end marker
  const path = join(dir, 'stream.sock')
  const srv = createServer((s) => s.once('data', () => s.end('{"id":1,"row":{}}\n')))
  await new Promise<void>((r) => srv.listen(path, r))
  const r = await cli(['routes', '--socket', path, '--json'])
  await new Promise<void>((r) => srv.close(() => r()))
  t.equal(r.code, 76)
  t.match(r.err, /closed the connection before answering/)
  // no answer at all: client timeout
  const silent = join(dir, 'silent.sock')
  const srv2 = createServer(() => {})
  await new Promise<void>((r) => srv2.listen(silent, r))
  t.match(await exitCodeOf(controlRequest(silent, { cmd: 'ping' }, { timeoutMs: 100 })), { exitCode: 75, message: /within 100 ms/ })
  srv2.close()
  t.ok(new ControlClientError('x', 1) instanceof Error)
})

t.test('permission denied on the socket', { skip: process.getuid?.() === 0 ? 'root may connect to any socket' : false }, async (t) => {
  const h = new FakeHandler()
  const s = await startServer(t, h)
  chmodSync(s.path, 0o000)
  const r = await cli(['status', '--socket', s.path])
  t.equal(r.code, 77)
  t.match(r.err, /permission denied/)
})

t.test('LineSplitter: lines across chunks, bounded partial line', async (t) => {
  const sp = new LineSplitter(10)
  t.same(sp.push(Buffer.from('ab')), [])
  t.equal(sp.pending, 2)
  t.same(sp.push(Buffer.from('c\nde\nf')), ['abc', 'de'])
  t.same(sp.push(Buffer.from('g\n')), ['fg'])
  t.equal(sp.push(Buffer.from('0123456789x')), 'overflow')
  const sp2 = new LineSplitter(4)
  t.same(sp2.push(Buffer.from('abc')), [])
  t.equal(sp2.push(Buffer.from('de\n')), 'overflow', 'joined line too long')
})

t.test('serviceRow from config, state machine state and verdicts', async (t) => {
  const attrs = { med: 100, localPref: null, prepend: null, communities: [], largeCommunities: [] }
  const cfg: ServiceConfig = {
    name: 'dns', prefixes: [{ prefix: '198.51.100.53/32', family: 'ipv4', length: 32 }], uniquePrefixes: [{ prefix: '198.51.100.111/32', family: 'ipv4', length: 32 }],
    checks: [
      { name: 'dig', spec: { kind: 'exec', command: 'true' }, intervalMs: 1000, fastIntervalMs: 250, timeoutMs: 1000, rise: 1, fall: 1 },
      { name: 'flag', spec: { kind: 'file', path: '/x' }, intervalMs: 1000, fastIntervalMs: 250, timeoutMs: 1000, rise: 1, fall: 1 },
    ],
    combine: 'all', attributes: attrs, neighbors: ['192.0.2.1'], onFailure: { action: 'withdraw' }, announceOnStart: false, holdDownMs: 0,
    drain: { periodMs: 0, localPref: 0, prepend: null, communities: [] }, dynamicMed: null,
  }
  const mc = serviceMachineConfig(cfg)
  t.same(serviceRow(cfg, null, [], null), {
    name: 'dns', state: 'starting', since: 0, announced: false, health: 'unknown', prefixes: ['198.51.100.53/32'], uniquePrefixes: ['198.51.100.111/32'],
    checks: [{ name: 'dig', kind: 'exec', status: 'unknown', passes: 0, fails: 0 }, { name: 'flag', kind: 'file', status: 'unknown', passes: 0, fails: 0 }],
    maintenance: [], med: null, reason: null,
  })
  let s = startService(mc, 1000).s
  const r = stepService(mc, s, { type: 'verdict', check: 0, ok: true, detail: 'exit 0' }, 2000)
  s = r.s
  const verdict = { check: 0, name: 'dig', kind: 'exec' as const, ok: true, maintenance: null, detail: 'exit 0', durationMs: 4, atMs: 2000 }
  const row = serviceRow(cfg, s, [verdict], r.changes[0]!.reason.text, (ms) => ms + 1)
  t.match(row, { state: 'up', since: 2001, announced: true, health: 'up', med: 100, reason: /passed 1 time/ })
  t.same(row.checks[0], { name: 'dig', kind: 'exec', status: 'up', passes: 1, fails: 0, detail: 'exit 0', lastDurationMs: 4 })
  s = stepService(mc, s, { type: 'maintenance', on: true, source: 'admin' }, 3000).s
  t.match(serviceRow(cfg, s, [], null), { state: 'maintenance', announced: false, med: null, maintenance: ['admin'] })
})

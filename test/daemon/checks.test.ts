/**
 * Health checks against local things only (127.0.0.1): exec, tcp, http, dns (a UDP responder
 * written here), file, process (a child killed, detection latency measured), and the runner's
 * scheduling (no pile-up, fast interval, timeouts) and the monitor's verdict -> change latency.
 */
import t from 'tap'
import { spawn } from 'node:child_process'
import { createServer as createHttpServer } from 'node:http'
import { createServer as createTcpServer, type AddressInfo } from 'node:net'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { probeExec } from '../../src/daemon/checks/exec.js'
import { probeTcp } from '../../src/daemon/checks/tcp.js'
import { probeHttp } from '../../src/daemon/checks/http.js'
import { probeDns } from '../../src/daemon/checks/dns.js'
import { decodeDnsResponse, encodeDnsQuery } from '../../src/daemon/checks/dns-message.js'
import { probeFile } from '../../src/daemon/checks/file.js'
import { pidAlive, probeProcess } from '../../src/daemon/checks/process.js'
import { CheckRunner, type CheckVerdict } from '../../src/daemon/checks/runner.js'
import { combineHealth } from '../../src/daemon/checks/combine.js'
import { counterPending, countVerdict, INITIAL_COUNTER } from '../../src/daemon/checks/counter.js'
import { ServiceMonitor } from '../../src/daemon/service-monitor.js'
import { serviceMachineConfig, type ServiceChange } from '../../src/daemon/service-state.js'
import type { CheckConfig, CheckSpec, ServiceConfig } from '../../src/daemon/config/types.js'

const never = new AbortController().signal
const abortAfter = (ms: number): AbortSignal => AbortSignal.timeout(ms)
const tmp = mkdtempSync(join(tmpdir(), 'tsbgp-checks-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

/** Dead for our purpose: gone, or a zombie nobody reaped yet. */
function gone(pid: number): boolean {
  if (!pidAlive(pid)) return true
  try {
    const st = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return st.charAt(st.lastIndexOf(')') + 2) === 'Z'
  } catch {
    return true
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (cond()) return true
    await sleep(5)
  }
  return cond()
}

function check(spec: CheckSpec, o: Partial<CheckConfig> = {}): CheckConfig {
  return { name: spec.kind, spec, intervalMs: 1000, fastIntervalMs: 250, timeoutMs: 500, rise: 1, fall: 1, ...o }
}

t.test('exec', async (t) => {
  t.match(await probeExec('true', never), { ok: true, detail: 'exit 0' })
  t.match(await probeExec('false', never), { ok: false, detail: 'exit 1' })
  t.match(await probeExec('echo broken >&2; exit 3', never), { ok: false, detail: 'exit 3: broken' })
  t.match(await probeExec('kill -9 $$', never), { ok: false, detail: 'killed by SIGKILL' })

  t.test('timeout kills the whole process group', async (t) => {
    const pids = join(tmp, 'pids')
    const t0 = Date.now()
    const r = await probeExec(`echo $$ > ${pids}; sleep 30 & echo $! >> ${pids}; wait`, abortAfter(300))
    const took = Date.now() - t0
    t.equal(r.ok, false)
    t.match(r.detail, /^timeout, process group \d+ killed/)
    t.ok(took < 1500, `returned ${took} ms after start (timeout 300 ms)`)
    const [shell, child] = readFileSync(pids, 'utf8').trim().split('\n').map(Number)
    t.ok(shell! > 0 && child! > 0, 'shell and background child pids recorded')
    t.ok(await waitFor(() => gone(shell!) && gone(child!), 1000), 'shell and its background sleep are dead')
  })

  t.test('a normal exit also kills what the command left behind', async (t) => {
    const pidFile = join(tmp, 'bg')
    t.match(await probeExec(`sleep 30 >/dev/null 2>&1 & echo $! > ${pidFile}`, never), { ok: true })
    const bg = Number(readFileSync(pidFile, 'utf8'))
    t.ok(await waitFor(() => gone(bg), 1000), 'background child killed')
  })
})

t.test('tcp', async (t) => {
  const server = createTcpServer((s) => s.destroy())
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  const port = (server.address() as AddressInfo).port
  t.match(await probeTcp('127.0.0.1', port, never), { ok: true, detail: `connected to 127.0.0.1:${port}` })
  await new Promise((res) => server.close(res))
  t.match(await probeTcp('127.0.0.1', port, never), { ok: false, detail: /ECONNREFUSED/ })
  const pre = new AbortController()
  pre.abort()
  t.match(await probeTcp('127.0.0.1', port, pre.signal), { ok: false, detail: 'timeout before start' })
})

t.test('http', async (t) => {
  const server = createHttpServer((req, res) => {
    if (req.url === '/ok') res.end('status: healthy v2')
    else if (req.url === '/503') {
      res.statusCode = 503
      res.end('down')
    } else if (req.url === '/hang') {
      /* never answers; closed by the probe's timeout */
    } else {
      res.statusCode = 302
      res.setHeader('location', '/ok')
      res.end()
    }
  })
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const spec = (path: string, o: object = {}): Extract<CheckSpec, { kind: 'http' }> => ({ kind: 'http', url: base + path, statusMin: 200, statusMax: 399, body: null, bodyRegex: null, ...o })
  t.match(await probeHttp(spec('/ok'), never), { ok: true, detail: 'status 200' })
  t.match(await probeHttp(spec('/redirect'), never), { ok: true, detail: 'status 302' }, 'redirects are not followed; 302 is in range')
  t.match(await probeHttp(spec('/redirect', { statusMax: 299 }), never), { ok: false, detail: 'status 302 not in 200-299' })
  t.match(await probeHttp(spec('/503'), never), { ok: false, detail: 'status 503 not in 200-399' })
  t.match(await probeHttp(spec('/ok', { body: 'healthy' }), never), { ok: true, detail: 'status 200, body matches' })
  t.match(await probeHttp(spec('/ok', { body: 'sick' }), never), { ok: false, detail: 'status 200, body lacks "sick"' })
  t.match(await probeHttp(spec('/ok', { bodyRegex: 'v\\d+$' }), never), { ok: true })
  t.match(await probeHttp(spec('/ok', { bodyRegex: '^v' }), never), { ok: false, detail: 'status 200, body does not match /^v/' })
  const t0 = Date.now()
  t.match(await probeHttp(spec('/hang'), abortAfter(150)), { ok: false, detail: /^timeout fetching/ })
  t.ok(Date.now() - t0 < 1000, 'timeout honoured')
})

t.test('dns message codec', async (t) => {
  // RFC 1035 §4.1: ID 0x1234, flags 0100 (RD), QDCOUNT 1; QNAME 7"example" 3"com" 0; QTYPE A; QCLASS IN
  t.equal(encodeDnsQuery(0x1234, 'example.com.', 1).toString('hex'), '1234 0100 0001 0000 0000 0000 076578616d706c65 03636f6d 00 0001 0001'.replace(/ /g, ''))
  t.throws(() => encodeDnsQuery(1, 'a'.repeat(64) + '.com', 1), TypeError)
  t.equal(decodeDnsResponse(Buffer.alloc(5)), 'response shorter than a header')
  t.equal(decodeDnsResponse(Buffer.from('123401000000000000000000', 'hex')), 'QR bit clear: not a response')
  const reply = answer(encodeDnsQuery(7, 'example.com', 1), 0, [1])
  t.same(decodeDnsResponse(reply), { id: 7, rcode: 0, truncated: false, answerTypes: [1] })
  // Every truncation of a valid response decodes to a value or a string, never a throw.
  for (let n = 0; n < reply.length; n++) t.doesNotThrow(() => decodeDnsResponse(reply.subarray(0, n)))
})

/** A response to `query`: same ID and question, QR/RA set, rcode, answer RRs of the given types (name = pointer to the question). */
function answer(query: Buffer, rcode: number, types: number[], id = query.readUInt16BE(0)): Buffer {
  const head = Buffer.from(query)
  head.writeUInt16BE(id, 0)
  head.writeUInt16BE(0x8180 | rcode, 2)
  head.writeUInt16BE(types.length, 6)
  const rrs = types.map((type) => {
    const rr = Buffer.alloc(12 + (type === 28 ? 16 : 4))
    rr.writeUInt16BE(0xc00c, 0) // §4.1.4 pointer to offset 12 (the QNAME)
    rr.writeUInt16BE(type, 2)
    rr.writeUInt16BE(1, 4)
    rr.writeUInt32BE(60, 6)
    rr.writeUInt16BE(rr.length - 12, 10)
    return rr
  })
  return Buffer.concat([head, ...rrs])
}

t.test('dns against a UDP responder on 127.0.0.1', async (t) => {
  const sock = createSocket('udp4')
  sock.on('message', (q, rinfo) => {
    const name = q.toString('latin1', 13, q.length - 5)
    const send = (b: Buffer): void => sock.send(b, rinfo.port, rinfo.address)
    if (name.startsWith('example')) {
      send(answer(q, 0, [1], q.readUInt16BE(0) ^ 1)) // wrong ID first: must be ignored
      send(answer(q, 0, [5, 1]))
    } else if (name.startsWith('nx')) send(answer(q, 3, []))
    else if (name.startsWith('empty')) send(answer(q, 0, []))
    // "silent": no answer
  })
  await new Promise<void>((res) => sock.bind(0, '127.0.0.1', res))
  t.teardown(() => sock.close())
  const port = sock.address().port
  const spec = (qname: string, o: object = {}): Extract<CheckSpec, { kind: 'dns' }> => ({ kind: 'dns', server: '127.0.0.1', port, qname, qtype: 'A', rcode: 0, ...o })
  t.match(await probeDns(spec('example.com'), abortAfter(1000)), { ok: true, detail: 'example.com A: NOERROR, 1 answer(s)' })
  t.match(await probeDns(spec('nx.example'), abortAfter(1000)), { ok: false, detail: 'nx.example A: NXDOMAIN, expected NOERROR' })
  t.match(await probeDns(spec('nx.example', { rcode: 3 }), abortAfter(1000)), { ok: true }, 'expected NXDOMAIN')
  t.match(await probeDns(spec('empty.example'), abortAfter(1000)), { ok: false, detail: 'empty.example A: NOERROR without A records' })
  t.match(await probeDns(spec('silent.example'), abortAfter(150)), { ok: false, detail: /^timeout asking 127\.0\.0\.1/ })
})

t.test('file: maintenance flag', async (t) => {
  const flag = join(tmp, 'maintenance')
  t.match(await probeFile(flag), { ok: true, maintenance: false, detail: `${flag} absent` })
  writeFileSync(flag, '')
  t.match(await probeFile(flag), { ok: true, maintenance: true, detail: `${flag} present` })
  rmSync(flag)
})

t.test('process: pid, pidfile, and a killed child detected within 50 ms', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.teardown(() => child.kill('SIGKILL'))
  const pid = child.pid!
  const pidfile = join(tmp, 'svc.pid')
  writeFileSync(pidfile, `${pid}\n`)
  t.match(await probeProcess({ kind: 'process', pid, pidfile: null, pollMs: 10 }), { ok: true, pid })
  t.match(await probeProcess({ kind: 'process', pid: null, pidfile, pollMs: 10 }), { ok: true, pid })
  t.match(await probeProcess({ kind: 'process', pid: null, pidfile: join(tmp, 'none.pid'), pollMs: 10 }), { ok: false, detail: /ENOENT/ })

  const verdicts: Array<CheckVerdict & { at: number }> = []
  const runner = new CheckRunner([check({ kind: 'process', pid: null, pidfile, pollMs: 10 }, { intervalMs: 5000, fastIntervalMs: 1250 })], (v) =>
    verdicts.push({ ...v, at: performance.now() }),
  )
  runner.start()
  t.teardown(() => runner.stop())
  t.ok(await waitFor(() => verdicts.length === 1, 1000), 'first probe done')
  t.equal(verdicts[0]!.ok, true)
  const samples: number[] = []
  const killedAt = performance.now()
  child.kill('SIGKILL')
  t.ok(await waitFor(() => verdicts.length === 2, 1000), 'death reported')
  samples.push(verdicts[1]!.at - killedAt)
  t.match(verdicts[1], { ok: false, detail: `pid ${pid} died (seen by the 10ms watch)`, durationMs: 0 })
  await runner.stop()

  // More samples for a stable figure.
  for (let i = 0; i < 9; i++) {
    const c = spawn('sleep', ['30'], { stdio: 'ignore' })
    const seen: number[] = []
    const r = new CheckRunner([check({ kind: 'process', pid: c.pid!, pidfile: null, pollMs: 10 }, { intervalMs: 5000 })], (v) => seen.push(v.ok ? 0 : performance.now()))
    r.start()
    await waitFor(() => seen.length === 1, 1000)
    const at = performance.now()
    c.kill('SIGKILL')
    await waitFor(() => seen.length === 2, 1000)
    await r.stop()
    c.kill('SIGKILL')
    if (seen.length === 2) samples.push(seen[1]! - at)
  }
  samples.sort((a, b) => a - b)
  const max = samples[samples.length - 1]!
  t.comment(`process check: kill -> failure verdict over ${samples.length} runs: median ${samples[samples.length >> 1]!.toFixed(1)} ms, max ${max.toFixed(1)} ms (poll 10 ms)`)
  t.equal(samples.length, 10)
  // The mechanism (the 10 ms watch, not the 5 s interval) is what is tested; a loaded CI machine may delay
  // one sample, so the median carries the bound and the max only rules out the interval.
  const median = samples[samples.length >> 1]!
  t.ok(median < 50, `median detection latency ${median.toFixed(1)} ms < 50 ms`)
  t.ok(max < 1000, `max detection latency ${max.toFixed(1)} ms, well under the 5 s interval`)
})

t.test('runner: one probe in flight, fast interval while pending, timeout guard, stop waits', async (t) => {
  let inFlight = 0
  let maxInFlight = 0
  let runs = 0
  const slow = (c: CheckConfig) => async (): Promise<{ ok: boolean; detail: string }> => {
    void c
    runs++
    inFlight++
    maxInFlight = Math.max(maxInFlight, inFlight)
    await sleep(120)
    inFlight--
    return { ok: true, detail: 'slow' }
  }
  const verdicts: CheckVerdict[] = []
  const r = new CheckRunner([check({ kind: 'exec', command: 'x' }, { intervalMs: 20, fastIntervalMs: 10, timeoutMs: 20 })], (v) => verdicts.push(v), { probeFor: slow, graceMs: 1000 })
  r.start()
  await sleep(400)
  t.equal(maxInFlight, 1, 'never two probes of one check at once')
  t.ok(runs <= 4, `${runs} probes of 120 ms in 400 ms with a 20 ms interval`)
  t.equal(r.inFlight, 1)
  await r.stop()
  t.equal(inFlight, 0, 'stop() waited for the probe in flight')

  // Fast interval (50 ms) while a change is pending, the interval (200 ms) otherwise.
  const times: number[] = []
  let n = 0
  const script = [true, true, false, false, true]
  const r2 = new CheckRunner(
    [check({ kind: 'exec', command: 'x' }, { intervalMs: 200, fastIntervalMs: 50, timeoutMs: 100, rise: 2, fall: 2 })],
    () => times.push(performance.now()),
    { probeFor: () => async () => ({ ok: script[n++ % script.length]!, detail: '' }) },
  )
  r2.start()
  await waitFor(() => times.length >= 5, 2000)
  await r2.stop()
  const gaps = times.slice(1, 5).map((x, i) => Math.round(x - times[i]!))
  t.comment(`gaps between probes: ${gaps.join(', ')} ms`)
  // starting (pending) -> 50; up after 2 passes -> 200; a failure -> 50 until decided (fall 2: down); down -> 200
  t.ok(gaps[0]! < 150, `starting uses the fast interval (${gaps[0]} ms)`)
  t.ok(gaps[1]! >= 180, `up uses the interval (${gaps[1]} ms)`)
  t.ok(gaps[2]! < 150, `failure pending uses the fast interval (${gaps[2]} ms)`)
  t.ok(gaps[3]! >= 180, `down decided: back to the interval (${gaps[3]} ms)`)

  // A probe that ignores its abort is reported failed after timeout + grace, once.
  const stuck: CheckVerdict[] = []
  let release: () => void = () => undefined
  const r3 = new CheckRunner([check({ kind: 'exec', command: 'x' }, { intervalMs: 1000, timeoutMs: 30 })], (v) => stuck.push(v), {
    probeFor: () => () => new Promise((res) => (release = () => res({ ok: true, detail: 'late' }))),
    graceMs: 30,
  })
  r3.start()
  await waitFor(() => stuck.length === 1, 1000)
  t.match(stuck, [{ ok: false, detail: 'probe ignored its 30ms timeout' }])
  release()
  await sleep(10)
  t.equal(stuck.length, 1, 'the late result is dropped')
  await r3.stop()

  // stop() does not hang on a probe that never settles: it waits the grace period at most.
  const r4 = new CheckRunner([check({ kind: 'exec', command: 'x' }, { intervalMs: 1000, timeoutMs: 500 })], () => t.fail('no verdict after stop'), {
    probeFor: () => () => new Promise(() => undefined),
    graceMs: 50,
  })
  r4.start()
  const s0 = Date.now()
  await r4.stop()
  t.ok(Date.now() - s0 < 500, `stop() returned after ${Date.now() - s0} ms`)
  await sleep(600)
})

t.test('counter and combine', async (t) => {
  let c = INITIAL_COUNTER
  t.ok(counterPending(c), 'unknown is pending')
  c = countVerdict(c, true, 2, 2)
  t.same(c, { status: 'unknown', passes: 1, fails: 0 })
  c = countVerdict(c, true, 2, 2)
  t.same(c, { status: 'up', passes: 2, fails: 0 })
  t.notOk(counterPending(c))
  c = countVerdict(c, false, 2, 2)
  t.ok(counterPending(c), 'a failure while up is pending')
  const cases: Array<[Parameters<typeof combineHealth>[0], 'all' | 'any', string]> = [
    [[], 'all', 'up'],
    [['up', 'up'], 'all', 'up'],
    [['up', 'unknown'], 'all', 'unknown'],
    [['up', 'down'], 'all', 'down'],
    [['unknown', 'down'], 'all', 'down'],
    [['down', 'up'], 'any', 'up'],
    [['unknown', 'up'], 'any', 'up'],
    [['unknown', 'down'], 'any', 'down'],
    [['unknown', 'unknown'], 'any', 'unknown'],
  ]
  for (const [s, mode, want] of cases) t.equal(combineHealth(s, mode), want, `${mode} ${s.join(',')}`)
})

t.test('monitor: failure verdict -> withdraw change synchronously; killed process -> withdraw < 50 ms', async (t) => {
  const svc = (checks: CheckConfig[]): ServiceConfig => ({
    name: 'dns', prefixes: [{ prefix: '198.51.100.53/32', family: 'ipv4', length: 32 }], uniquePrefixes: [], checks, combine: 'all',
    attributes: { med: null, localPref: null, prepend: null, communities: [], largeCommunities: [] }, neighbors: ['192.0.2.1'],
    onFailure: { action: 'withdraw' }, announceOnStart: false, holdDownMs: 0, drain: { periodMs: 0, localPref: 0, prepend: null, communities: [] }, dynamicMed: null,
  })
  // exec: two passes up, then false twice (fall 2).
  const flag = join(tmp, 'healthy')
  writeFileSync(flag, '')
  const checks = [check({ kind: 'exec', command: `test -e ${flag}` }, { intervalMs: 40, fastIntervalMs: 10, timeoutMs: 40, rise: 2, fall: 2 })]
  const m = new ServiceMonitor(serviceMachineConfig(svc(checks)), checks)
  const changes: Array<ServiceChange & { at: number }> = []
  let verdictAt = 0
  m.on('verdict', () => (verdictAt = performance.now()))
  const lat: number[] = []
  m.on('change', (c) => {
    changes.push({ ...c, at: performance.now() })
    if (c.reason.kind === 'check') lat.push(performance.now() - verdictAt)
  })
  m.start()
  t.ok(await waitFor(() => changes.some((c) => c.to === 'up'), 2000), 'up')
  rmSync(flag)
  t.ok(await waitFor(() => changes.some((c) => c.to === 'down'), 2000), 'down')
  await m.stop()
  t.same(changes.map((c) => `${c.from}->${c.to} ${c.announcement.announce}`), ['null->starting false', 'starting->up true', 'up->down false'])
  t.comment(`verdict -> state-change event: ${lat.map((x) => x.toFixed(3)).join(', ')} ms`)
  t.ok(lat.every((x) => x < 5), 'verdict -> change < 5 ms')

  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.teardown(() => child.kill('SIGKILL'))
  const pchecks = [check({ kind: 'process', pid: child.pid!, pidfile: null, pollMs: 10 }, { intervalMs: 5000, rise: 1, fall: 1 })]
  const pm = new ServiceMonitor(serviceMachineConfig(svc(pchecks)), pchecks)
  let downAt = 0
  pm.on('change', (c) => {
    if (c.to === 'down') downAt = performance.now()
  })
  pm.start()
  t.ok(await waitFor(() => pm.state?.state === 'up', 1000), 'process service up')
  const killed = performance.now()
  child.kill('SIGKILL')
  t.ok(await waitFor(() => downAt > 0, 1000), 'withdrawn')
  await pm.stop()
  t.comment(`process killed -> withdraw event: ${(downAt - killed).toFixed(1)} ms`)
  t.ok(downAt - killed < 50, 'kill -> withdraw < 50 ms')
})

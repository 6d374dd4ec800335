// `tsbgp run` as a child process, started with exactly the ExecStart line of contrib/systemd/tsbgp.service,
// against a real BIRD 2 on loopback (interop/lab/bird.ts startBirdOnLoopback; 127.0.0.2 tsbgp → 127.0.0.3 BIRD,
// random unprivileged port). The ExecStart's config path is replaced by a temp config, and `tsbgp` by
// test/daemon/launch.ts (imports src/cli/main.ts) run with process.execPath + process.execArgv (tap's TypeScript
// loader); bin/tsbgp.js itself imports dist/, which tests do not build.
// Sequence: the prefix appears at BIRD only after `rise` passes; failing the exec check (flag file) withdraws it;
// `drain` over the control socket → GSHUT, then the withdrawal after drain.period, `undrain` restores it;
// SIGHUP with a changed MED reaches BIRD without a session reset (BIRD's protocol 'since' unchanged); SIGTERM
// → BIRD sees GRACEFUL_SHUTDOWN 65535:0, then the withdrawal, then Cease / Administrative Shutdown; exit 0.
// Every process is killed by PID in teardown (CleanupRegistry); every wait is bounded.
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync, unlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CleanupRegistry } from '../../interop/lab/cleanup.js'
import { startBirdOnLoopback } from '../../interop/lab/bird.js'
import { missingCommands } from '../../interop/lab/proc.js'
import { freePort } from '../session/live-helpers.js'
import { controlRequest } from '../../src/daemon/control/client.js'

const UNIT = fileURLToPath(new URL('../../contrib/systemd/tsbgp.service', import.meta.url))
const LAUNCH = fileURLToPath(new URL('./launch.ts', import.meta.url))
const PREFIX = '198.51.100.80'

/** ExecStart=/usr/bin/env tsbgp run --config /etc/tsbgp/tsbgp.yaml → ['tsbgp', 'run', ...]. */
export function execStart(unit: string): string[] {
  const line = unit.split('\n').find((l) => l.startsWith('ExecStart='))
  if (line === undefined) throw new Error('no ExecStart in the unit')
  const argv = line.slice('ExecStart='.length).trim().split(/\s+/)
  if (argv[0] === '/usr/bin/env') argv.shift()
  return argv
}

function config(dir: string, birdPort: number, med: number): string {
  return `router-id: 10.0.0.2
local-as: 65011
neighbors:
  - { address: 127.0.0.3, port: ${birdPort}, local-address: 127.0.0.2, remote-as: 65000, hold-time: 9, connect-retry: 1, families: [ipv4] }
services:
  - name: web
    prefixes: [${PREFIX}/32]
    check: { exec: "test -f ${join(dir, 'ok')}", interval: 300ms, timeout: 300ms, fast-interval: 50ms, rise: 3, fall: 1 }
    med: ${med}
    hold-down: 0s
    drain: { period: 1500ms }
control: { socket: ${join(dir, 'tsbgp.sock')} }
log: { level: info }
`
}

t.test('tsbgp run (systemd ExecStart) against BIRD: rise, fail, SIGHUP MED, SIGTERM graceful shutdown', async (t) => {
  const missing = await missingCommands(['bird', 'birdc'])
  if (missing.length > 0) {
    // The unit suite runs where BIRD may not be installed; interop/test is where its absence is an error.
    t.comment(`skipped: missing ${missing.join(', ')} (apt-get install -y bird2)`)
    t.pass('BIRD not installed: skipped')
    return
  }
  const unit = readFileSync(UNIT, 'utf8')
  const argv = execStart(unit)
  t.same(argv.slice(0, 3), ['tsbgp', 'run', '--config'], `ExecStart: ${argv.join(' ')}`)
  t.match(unit, /^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
  t.match(unit, /^KillSignal=SIGTERM$/m)
  t.match(unit, /^AmbientCapabilities=CAP_NET_BIND_SERVICE$/m)

  const reg = new CleanupRegistry('daemon-bird')
  const dir = mkdtempSync(join(tmpdir(), 'tsbgp-daemon-bird-'))
  reg.addDir(dir)
  t.teardown(async () => {
    const errors = await reg.runAll()
    if (errors.length > 0) throw new Error(errors.map((e) => e.message).join('; '))
  })
  const birdPort = await freePort('0.0.0.0')
  const bird = await startBirdOnLoopback({
    name: 'dmn', registry: reg, routerId: '10.0.0.3', localAs: 65000, localAddress: '127.0.0.3', localPort: birdPort,
    // gshut: the driver's import filter turns 65535:0 into LOCAL_PREF 0, as RFC 8326 §4 asks.
    neighbors: [{ name: 'tsbgp', address: '127.0.0.2', as: 65011, passive: true, holdTime: 9, ipv4: { import: 'all', export: 'none' } }],
  })
  const cfgPath = join(dir, 'tsbgp.yaml')
  writeFileSync(cfgPath, config(dir, birdPort, 100))
  const args = argv.slice(1).map((a) => (a === '/etc/tsbgp/tsbgp.yaml' ? cfgPath : a))
  const child = spawn(process.execPath, [...process.execArgv, LAUNCH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  reg.addPid(child.pid!, 'tsbgp', 3000)
  let out = ''
  let err = ''
  child.stdout.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => {
    if (t.passing()) return
    t.comment(`tsbgp stdout:\n${out.slice(-4000)}\nstderr:\n${err.slice(-2000)}`)
  })

  await bird.waitEstablished(['tsbgp'], 15_000)
  const since0 = (await bird.protocol('tsbgp'))!.since
  t.same((await bird.routeFor(PREFIX)).filter((p) => p.protocol === 'tsbgp'), [], 'nothing announced before the check passes')

  writeFileSync(join(dir, 'ok'), '')
  const t0 = Date.now()
  const p1 = await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp'), 10_000)
  const ms = Date.now() - t0
  t.ok(ms >= 100, `announced only after rise 3 passes (${ms} ms after the flag appeared)`)
  t.equal(p1[0]!.med, 100, 'MED 100 at BIRD')
  t.same(p1[0]!.asPath, [65011])

  unlinkSync(join(dir, 'ok'))
  await bird.waitRoute(PREFIX, (p) => !p.some((x) => x.protocol === 'tsbgp'), 5000)
  t.pass('failing check withdrew the prefix at BIRD')

  writeFileSync(join(dir, 'ok'), '')
  await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp'), 10_000)

  // Admin drain over the control socket: GSHUT first, the withdrawal after drain.period.
  const sock = join(dir, 'tsbgp.sock')
  const dr = await controlRequest(sock, { cmd: 'drain', service: 'web' })
  t.same(dr.services, [{ name: 'web', state: 'draining' }], 'drain: web is draining')
  await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp' && x.communities.some(([a, b]) => a === 65535 && b === 0)), 3000)
  const td = Date.now()
  t.pass('drain: BIRD sees GRACEFUL_SHUTDOWN 65535:0')
  await bird.waitRoute(PREFIX, (p) => !p.some((x) => x.protocol === 'tsbgp'), 5000)
  t.ok(Date.now() - td >= 1000, `drain: withdrawn after the drain period (${Date.now() - td} ms after GSHUT was seen; period 1500 ms)`)
  await controlRequest(sock, { cmd: 'undrain', service: 'web' })
  await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp' && !x.communities.some(([a]) => a === 65535)), 5000)
  t.pass('undrain: announced again without GSHUT')

  writeFileSync(cfgPath, config(dir, birdPort, 200))
  process.kill(child.pid!, 'SIGHUP')
  const p2 = await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp' && x.med === 200), 5000)
  t.equal(p2[0]!.med, 200, 'SIGHUP reload: MED 200 at BIRD')
  const proto = (await bird.protocol('tsbgp'))!
  t.equal(proto.bgpState, 'Established')
  t.equal(proto.since, since0, "no session reset (BIRD's protocol 'since' unchanged)")

  process.kill(child.pid!, 'SIGTERM')
  const gs = await bird.waitRoute(PREFIX, (p) => p.some((x) => x.protocol === 'tsbgp' && x.communities.some(([a, b]) => a === 65535 && b === 0)), 3000)
  t.equal(gs[0]!.localPref, 0, 'GRACEFUL_SHUTDOWN 65535:0 seen by BIRD (local pref 0 by its gshut filter)')
  const tg = Date.now()
  await bird.waitRoute(PREFIX, (p) => !p.some((x) => x.protocol === 'tsbgp'), 5000)
  const drained = Date.now() - tg
  t.ok(drained >= 1000, `withdrawn after the drain period (${drained} ms after GSHUT was seen; period 1500 ms)`)
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))])
  t.equal(code, 0, 'exit code 0 after a graceful shutdown')
  const p = (await bird.protocol('tsbgp'))!
  t.not(p.bgpState, 'Established', 'session closed')
  t.match(p.lastError ?? '', /Administrative shutdown/i, `BIRD's last error: ${p.lastError}`)
  t.match(out, /tsbgp shutdown: SIGTERM/, 'RFC 9003 shutdown communication logged')
})

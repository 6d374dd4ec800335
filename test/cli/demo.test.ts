// `tsbgp demo` (issue 5) on loopback: in-process (text and NDJSON, exit code and the key lines), a forced
// timeout (exit 1 with the step and what it waited for), and once through the CLI as a child process that
// must exit by itself (no socket or timer left behind).
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { runDemo } from '../../src/cli/demo.js'
import { ANSI, PLAIN, renderView } from '../../src/cli/demo-render.js'
import type { RouterView } from '../../src/daemon/demo/router.js'
import { DEFAULT_RUNTIME, type RuntimeKind } from '../../src/daemon/demo/server-runtime.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LAUNCHER = fileURLToPath(new URL('./demo-launcher.ts', import.meta.url))

function sink(): { stream: NodeJS.WritableStream; text: () => string } {
  const chunks: string[] = []
  const stream = { write: (c: string | Uint8Array) => (chunks.push(String(c)), true) } as unknown as NodeJS.WritableStream
  return { stream, text: () => chunks.join('') }
}

/** Handles that would keep the process alive, by kind (tap's own are counted before and compared). */
function handles(): Record<string, number> {
  const n: Record<string, number> = {}
  for (const k of process.getActiveResourcesInfo()) if (k.startsWith('TCP') || k === 'Timeout') n[k] = (n[k] ?? 0) + 1
  return n
}

async function settle(): Promise<void> {
  // Closed sockets release their handles on the next turns of the loop.
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r))
}

t.test('text output: every step, the ECMP pair, the withdrawal, GSHUT, back to the pair', async (t) => {
  await settle()
  const before = handles()
  const out = sink()
  const err = sink()
  const t0 = performance.now()
  const code = await runDemo({ out: out.stream, err: err.stream, color: false })
  const ms = performance.now() - t0
  const text = out.text()
  t.equal(code, 0, err.text())
  t.equal(err.text(), '', 'nothing on stderr without --verbose')
  t.ok(ms < 15_000, `finished in ${Math.round(ms)} ms`)
  for (let i = 1; i <= 5; i++) t.match(text, `[${i}/5]`)
  t.match(text, /ECMP set: srv1 \+ srv2 \(equal MED 100\); srv3 \(MED 200\) is the backup/)
  t.match(text, /srv1 withdrawn [\d.]+ (ms|s) after its service stopped; traffic now goes to srv2/)
  t.match(text, /65535:0 GSHUT/)
  t.match(text, /make before break: srv2 still announced \(LOCAL_PREF 0, not best\), traffic already on srv3/)
  t.match(text, /srv2 withdrawn [\d.]+ (ms|s) after the drain began/)
  t.match(text, /back to the ECMP pair srv1 \+ srv2/)
  t.match(text, /203\.0\.113\.12\/32\s+srv2\s+127\.0\.0\.12\s+65010:2:0/, 'instance prefix with its instance community')
  t.match(text, /2001:db8:ffff::1\/128\s+srv1\s+2001:db8:ffff::11\s+100\s+100\s+65010:1:0\s+✓\s+✓/, 'IPv6 path over the IPv4 session')
  t.equal(text.match(/router received from srv\d: Cease \/ Administrative Shutdown "[^"]*demo finished"/g)?.length, 3)
  t.match(text, /demo finished in/)
  if (DEFAULT_RUNTIME === 'daemon') t.match(text, /graceful shutdown first \(RFC 8326\): every path carries 65535:0/)
  t.notMatch(text, /\x1b\[/, 'no colour when asked for none')
  await settle()
  t.same(handles(), before, 'no socket or timer left behind')
})

const OTHER: RuntimeKind = DEFAULT_RUNTIME === 'daemon' ? 'speaker' : 'daemon'

t.test(`the other server runtime (${OTHER}) gives the same story`, async (t) => {
  const out = sink()
  const err = sink()
  const code = await runDemo({ out: out.stream, err: err.stream, color: false, runtime: OTHER })
  t.equal(code, 0, err.text())
  t.match(out.text(), /ECMP set: srv1 \+ srv2/)
  t.match(out.text(), /make before break/)
  t.match(out.text(), /back to the ECMP pair srv1 \+ srv2/)
})

t.test('--json: NDJSON events', async (t) => {
  const out = sink()
  const code = await runDemo({ out: out.stream, err: sink().stream, json: true })
  t.equal(code, 0)
  const events = out
    .text()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  const kinds = new Set(events.map((e) => e.event))
  for (const k of ['topology', 'step', 'view', 'viewChange', 'result', 'serviceChange', 'notification', 'done']) t.ok(kinds.has(k), k)
  const results = events.filter((e) => e.event === 'result')
  t.same(results.slice(0, 5).map((r) => r.ecmp ?? null), [['srv1', 'srv2'], ['srv2'], ['srv3'], null, ['srv1', 'srv2']])
  t.type(results[1]!.withdrawnMs, 'number')
  const drain = events.find((e) => e.event === 'view' && e.label === 'while srv2 drains') as { paths: Array<Record<string, unknown>> } | undefined
  t.ok(drain?.paths.some((p) => p.instance === 'srv2' && p.gshut === true && p.localPref === 0 && p.best === false), 'srv2 present with GSHUT, not best')
  t.match(events.at(-1), { event: 'done', code: 0 })
})

t.test('a step that cannot finish in time fails the demo with exit 1 and says what it waited for', async (t) => {
  await settle()
  const before = handles()
  const out = sink()
  const err = sink()
  const code = await runDemo({ out: out.stream, err: err.stream, quiet: true, stepTimeoutMs: 1 })
  t.equal(code, 1)
  t.equal(out.text(), '', '--quiet prints nothing on stdout')
  t.match(err.text(), /tsbgp demo: step 1 failed: timed out after 1 ms waiting for all three paths at the router/)
  t.match(err.text(), /router view at/)
  await settle()
  t.same(handles(), before, 'cleaned up after a failure too')
})

t.test('tsbgp demo --quiet as a child process exits 0 by itself', async (t) => {
  const proc = spawn(process.execPath, [...process.execArgv, LAUNCHER, 'demo', '--quiet'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // The parent already type-checked these sources; the child only needs them transpiled.
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' },
  })
  let stdout = ''
  let stderr = ''
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
  proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
  let timer: NodeJS.Timeout | undefined
  const exited = new Promise<number | null>((r) => proc.once('exit', (c) => r(c)))
  const r = await Promise.race([exited, new Promise<'hung'>((res) => (timer = setTimeout(() => res('hung'), 60_000)))])
  clearTimeout(timer)
  if (r === 'hung') proc.kill('SIGKILL')
  t.equal(r, 0, stderr)
  t.equal(stdout, '')
})

t.test('colour never moves a column', async (t) => {
  const p = { peer: '127.0.0.12', nextHop: '127.0.0.12', communities: [], largeCommunities: ['65010:2:0'], gshut: false }
  const v: RouterView = {
    atMs: 0,
    paths: [
      { ...p, prefix: '198.51.100.1/32', instance: 'srv2', med: 100, localPref: 0, communities: ['65535:0'], gshut: true, best: false, ecmp: false },
      { ...p, prefix: '198.51.100.1/32', instance: 'srv3', peer: '127.0.0.13', nextHop: '127.0.0.13', med: 200, localPref: 100, largeCommunities: ['65010:3:0'], best: true, ecmp: true },
    ],
  }
  const plain = renderView(v, ['198.51.100.1/32', '2001:db8:ffff::1/128'], PLAIN)
  const coloured = renderView(v, ['198.51.100.1/32', '2001:db8:ffff::1/128'], ANSI)
  t.not(coloured, plain)
  t.equal(coloured.replace(/\x1b\[\d+m/g, ''), plain)
  t.match(plain, /srv2\s+127\.0\.0\.12\s+100\s+0\s+65010:2:0 65535:0 GSHUT\n/)
  t.match(plain, /2001:db8:ffff::1\/128\s+\(no path: unreachable\)/)
})

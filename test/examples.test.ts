// Runs the two README examples against each other on loopback as child processes (with this process's
// execArgv, so tap's TypeScript loader is inherited): watch-best-paths.ts listens on 127.0.0.3 (a free
// unprivileged port), announce.ts dials it from 127.0.0.2 and announces a prefix; the watcher prints
// the best path with its attributes and exits; the announcer sees the watcher's Cease and exits on SIGTERM.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t, { type Test } from 'tap'
import { freePort } from './session/live-helpers.js'

const ROOT = fileURLToPath(new URL('..', import.meta.url))

interface Child {
  proc: ChildProcess
  lines: Array<Record<string, unknown>>
  stderr: string[]
  exited: Promise<number | null>
}

function run(t: Test, script: string, args: string[]): Child {
  const proc = spawn(process.execPath, [...process.execArgv, script, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  const c: Child = { proc, lines: [], stderr: [], exited: new Promise((r) => proc.once('exit', (code) => r(code))) }
  let buf = ''
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d.toString()
    let i
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i)
      buf = buf.slice(i + 1)
      try {
        c.lines.push(JSON.parse(line) as Record<string, unknown>)
      } catch {
        c.stderr.push(`(stdout) ${line}`)
      }
    }
  })
  proc.stderr!.on('data', (d: Buffer) => c.stderr.push(d.toString()))
  t.teardown(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
  })
  return c
}

async function waitLine(c: Child, what: string, pred: (l: Record<string, unknown>) => boolean, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  const t0 = performance.now()
  for (;;) {
    const l = c.lines.find(pred)
    if (l !== undefined) return l
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}; stdout ${JSON.stringify(c.lines)}; stderr ${c.stderr.join('')}`)
    if (c.proc.exitCode !== null) throw new Error(`exited (${c.proc.exitCode}) before ${what}; stderr ${c.stderr.join('')}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

async function exitWithin(c: Child, ms: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const r = await Promise.race([c.exited, new Promise<'timeout'>((res) => (timer = setTimeout(() => res('timeout'), ms)))])
  clearTimeout(timer)
  if (r === 'timeout') throw new Error(`did not exit within ${ms} ms; stderr ${c.stderr.join('')}`)
  return r
}

t.test('examples/announce.ts -> examples/watch-best-paths.ts', async (t) => {
  // Both start at once (each child compiles the sources first); the announcer retries its connection
  // every second until the watcher listens on the port picked here.
  const port = await freePort('127.0.0.3')
  const watch = run(t, 'examples/watch-best-paths.ts', [
    '--peer', '127.0.0.2', '--peer-as', '65001', '--local-as', '65002', '--router-id', '10.0.0.3',
    '--listen-address', '127.0.0.3', '--listen-port', String(port), '--passive', '--count', '1',
  ])
  const announce = run(t, 'examples/announce.ts', [
    '--peer', '127.0.0.3', '--peer-port', String(port), '--peer-as', '65002', '--local-as', '65001',
    '--router-id', '10.0.0.2', '--local-address', '127.0.0.2', '--prefix', '192.0.2.53/32', '--med', '10',
    '--community', '65001:53',
  ])
  const listening = await waitLine(watch, 'listening', (l) => l.event === 'listening')
  t.same(listening, { event: 'listening', address: '127.0.0.3', port })
  await waitLine(announce, 'announced', (l) => l.event === 'announced')
  const best = await waitLine(watch, 'best path', (l) => l.event === 'bestPathChange')
  t.same(best, {
    event: 'bestPathChange',
    prefix: '192.0.2.53/32',
    reachable: true,
    from: '127.0.0.2',
    nextHop: '127.0.0.2',
    asPath: [65001],
    med: 10,
    communities: ['65001:53'],
    multipath: 1,
  })
  t.equal(await exitWithin(watch, 10_000), 0, 'the watcher exits after --count 1')
  t.ok(watch.lines.some((l) => l.event === 'closed'))
  const cease = await waitLine(announce, 'Cease from the watcher', (l) => l.event === 'notification')
  t.same(cease, { event: 'notification', direction: 'received', name: 'Cease / Administrative Shutdown', message: 'watch-best-paths.ts done' })
  announce.proc.kill('SIGTERM')
  t.equal(await exitWithin(announce, 10_000), 0, 'the announcer exits cleanly on SIGTERM')
  t.ok(announce.lines.some((l) => l.event === 'closed'), 'after closing its speaker')
})

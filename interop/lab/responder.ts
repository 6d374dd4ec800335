// A tiny TCP+UDP responder that answers with its instance name, and the probe
// that queries it; both run as child node processes inside lab namespaces
// (`ip netns exec NS node -e <program> ...`). Node cannot enter a namespace
// itself, hence the child. The child runs this file's functions as plain JS
// (see childProgram); the file also runs as a script under a TS loader:
//   node <ts loader flags> interop/lab/responder.ts serve srv1 7007
//
//   serve NAME PORT   UDP: any datagram -> NAME.   TCP: on accept, NAME\n then close.
//                     TCP PORT+1 (echo): each line L -> "NAME L\n", the connection stays open.
//   probe JSON        [{proto, host, port, count?, intervalMs?}] -> one JSON line of answers.
//                     proto 'session': ONE TCP connection to the echo port, `count` lines
//                     `intervalMs` apart, one answer (the NAME) per line (a long-lived session).
//
// Probe traffic goes only to documentation addresses (checked here too).

import { createSocket } from 'node:dgram'
import { createConnection, createServer } from 'node:net'
import { pathToFileURL } from 'node:url'
import { join } from 'node:path'
import { CleanupRegistry } from './cleanup.js'
import { isDocumentationAddress } from './netns.js'
import { exec, LabProcess, spawnProcess, waitReady } from './proc.js'

export const RESPONDER_PORT = 7007
/** The echo port of a responder on `port` (long-lived TCP sessions). */
export function echoPort (port = RESPONDER_PORT): number { return port + 1 }
const READY = 'RESPONDER READY'

export interface ProbeTarget {
  proto: 'udp' | 'tcp' | 'session'
  host: string
  port: number
  count?: number
  /** Pause between two attempts (a steady stream instead of back to back). */
  intervalMs?: number
}
/** One answer per attempt: the instance name, or null on timeout/refusal. */
export interface ProbeResult { target: ProbeTarget, answers: Array<string | null> }

function serve (name: string, port: number): void {
  const tcp = createServer((sock) => { sock.on('error', () => {}); sock.end(`${name}\n`) })
  const udp4 = createSocket({ type: 'udp4', reuseAddr: true })
  const udp6 = createSocket({ type: 'udp6', reuseAddr: true, ipv6Only: true })
  for (const u of [udp4, udp6]) u.on('message', (_msg, rinfo) => { u.send(name, rinfo.port, rinfo.address) })
  const echo = createServer((sock) => {
    let buf = ''
    sock.on('error', () => {})
    sock.setEncoding('utf8')
    sock.on('data', (d: string) => {
      buf += d
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        sock.write(`${name} ${buf.slice(0, i)}\n`)
        buf = buf.slice(i + 1)
      }
    })
  })
  let pending = 4
  const ready = (): void => { if (--pending === 0) process.stdout.write(`${READY} ${name} ${port}\n`) }
  tcp.listen({ port, host: '::', ipv6Only: false }, ready)
  echo.listen({ port: port + 1, host: '::', ipv6Only: false }, ready)
  udp4.bind(port, '0.0.0.0', ready)
  udp6.bind(port, '::', ready)
  const stop = (): void => { tcp.close(); echo.close(); udp4.close(); udp6.close(); process.exit(0) }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
}

async function udpOnce (host: string, port: number, timeoutMs: number): Promise<string | null> {
  return await new Promise((resolve) => {
    // A fresh socket per query: a new source port, hence a new ECMP hash.
    const s = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    const timer = setTimeout(() => { s.close(); resolve(null) }, timeoutMs)
    s.on('message', (m) => { clearTimeout(timer); s.close(); resolve(m.toString()) })
    s.on('error', () => { clearTimeout(timer); s.close(); resolve(null) })
    s.send('who', port, host)
  })
}

async function tcpOnce (host: string, port: number, timeoutMs: number): Promise<string | null> {
  return await new Promise((resolve) => {
    let data = ''
    const c = createConnection({ host, port })
    const done = (v: string | null): void => { clearTimeout(timer); c.destroy(); resolve(v) }
    const timer = setTimeout(() => { done(null) }, timeoutMs)
    c.setEncoding('utf8')
    c.on('data', (d: string) => { data += d })
    c.on('end', () => { done(data.trim()) })
    c.on('error', () => { done(null) })
  })
}

/** One TCP connection, `n` lines `intervalMs` apart; each answer is the echo's NAME, null once lost. */
async function tcpSession (host: string, port: number, n: number, intervalMs: number, timeoutMs: number): Promise<Array<string | null>> {
  const answers: Array<string | null> = []
  const c = createConnection({ host, port })
  let buf = ''
  let closed = false
  let waiter: (() => void) | null = null
  const wake = (): void => { const w = waiter; waiter = null; if (w !== null) w() }
  c.setEncoding('utf8')
  c.on('data', (d: string) => { buf += d; wake() })
  c.on('close', () => { closed = true; wake() })
  c.on('error', () => { closed = true; wake() })
  const line = async (): Promise<string | null> => {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const i = buf.indexOf('\n')
      if (i >= 0) { const l = buf.slice(0, i); buf = buf.slice(i + 1); return l }
      if (closed || Date.now() >= deadline) return null
      await new Promise<void>((resolve) => { waiter = resolve; setTimeout(wake, Math.max(1, deadline - Date.now())) })
    }
  }
  for (let i = 0; i < n; i++) {
    if (i > 0 && intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs))
    if (closed) { answers.push(null); continue }
    c.write(`${i}\n`)
    const l = await line()
    answers.push(l === null || !l.endsWith(` ${i}`) ? null : l.slice(0, l.length - ` ${i}`.length))
  }
  c.destroy()
  return answers
}

async function probe (targets: ProbeTarget[], timeoutMs: number): Promise<ProbeResult[]> {
  const out: ProbeResult[] = []
  for (const t of targets) {
    if (!isDocumentationAddress(t.host)) throw new Error(`probe target ${t.host} is outside the documentation ranges`)
    const n = Math.min(t.count ?? 1, 1000)
    const gap = Math.min(Math.max(t.intervalMs ?? 0, 0), 10_000)
    if (t.proto === 'session') {
      out.push({ target: t, answers: await tcpSession(t.host, t.port, n, gap, timeoutMs) })
      continue
    }
    const answers: Array<string | null> = []
    for (let i = 0; i < n; i++) {
      if (i > 0 && gap > 0) await new Promise((resolve) => setTimeout(resolve, gap))
      answers.push(t.proto === 'udp' ? await udpOnce(t.host, t.port, timeoutMs) : await tcpOnce(t.host, t.port, timeoutMs))
    }
    out.push({ target: t, answers })
  }
  return out
}

/**
 * The child program: the functions above as the JavaScript they run as
 * (Function.prototype.toString of the loaded module, types already stripped
 * by the loader), so the child starts plain `node` in ~0.1 s instead of
 * loading the TypeScript compiler again (~1 s of CPU each, many seconds on a
 * loaded machine). One source of truth: this file.
 */
function childProgram (): string {
  return [
    "import { createSocket } from 'node:dgram'",
    "import { createConnection, createServer } from 'node:net'",
    `const READY = ${JSON.stringify(READY)}`,
    isDocumentationAddress.toString(), serve.toString(), udpOnce.toString(), tcpOnce.toString(), tcpSession.toString(), probe.toString(),
    'const [mode, a, b] = process.argv.slice(1)',
    "if (mode === 'serve') serve(a, Number(b))",
    "else probe(JSON.parse(a), Number(b ?? 1000)).then((r) => { process.stdout.write(JSON.stringify(r) + '\\n') }, (err) => { process.stderr.write(err.message + '\\n'); process.exit(2) })",
  ].join('\n')
}

function nodeArgs (): string[] {
  return ['--input-type=module', '-e', childProgram()]
}

/** No tap instrumentation (coverage/mock hooks) in the children: it only slows their start. */
function childEnv (): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env }
  if (env.NODE_OPTIONS !== undefined) env.NODE_OPTIONS = env.NODE_OPTIONS.split(/\s+/).filter((a) => !/@tapjs[/\\](processinfo|mock)/.test(a)).join(' ')
  return env
}

export interface ResponderOptions { netns: string, name: string, port?: number, dir: string, registry: CleanupRegistry }

/** Starts a responder inside `netns` and waits until it has bound its sockets. */
export async function startResponder (o: ResponderOptions): Promise<LabProcess> {
  const port = o.port ?? RESPONDER_PORT
  const p = spawnProcess({ name: `responder-${o.name}`, cmd: process.execPath, args: [...nodeArgs(), 'serve', o.name, String(port)], netns: o.netns, logFile: join(o.dir, `responder-${o.name}.log`), registry: o.registry, killGraceMs: 1000, env: childEnv() })
  await waitReady(p, 'listening', async () => p.log().includes(READY), { timeoutMs: 20_000, intervalMs: 50 })
  return p
}

/** Runs the probe in `netns` (one child process for all targets). */
export async function runProbe (netns: string, targets: ProbeTarget[], timeoutMs = 1000): Promise<ProbeResult[]> {
  const total = targets.reduce((n, t) => n + Math.min(t.count ?? 1, 1000) * (1 + Math.max(t.intervalMs ?? 0, 0) / timeoutMs), 0)
  const r = await exec(process.execPath, [...nodeArgs(), 'probe', JSON.stringify(targets), String(timeoutMs)], { netns, timeoutMs: 20_000 + total * timeoutMs, env: childEnv() })
  const line = r.stdout.trim().split('\n').pop() ?? ''
  return JSON.parse(line) as ProbeResult[]
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [mode, a, b] = process.argv.slice(2)
  if (mode === 'serve') serve(a, Number(b))
  else if (mode === 'probe') {
    probe(JSON.parse(a) as ProbeTarget[], Number(b ?? 1000)).then((r) => { process.stdout.write(JSON.stringify(r) + '\n') }, (err: Error) => { process.stderr.write(`${err.message}\n`); process.exit(2) })
  } else {
    process.stderr.write('usage: responder.ts serve NAME PORT | probe JSON [timeoutMs]\n')
    process.exit(2)
  }
}

/**
 * The control API server: a Unix stream socket speaking protocol.ts, dispatching to a
 * ControlHandler. Everything is bounded so that a misbehaving or slow client can never hurt the
 * BGP sessions sharing the event loop (STYLE.md: "control-socket replies never block the core"):
 *
 *   request line  ≤ maxRequestBytes (64 KiB)      longer: `too-large`, connection closed
 *   clients       ≤ maxClients (32)               more: `busy`, connection closed
 *   unary reply   within requestTimeoutMs         else `timeout` (the handler is not cancelled)
 *   stream rows   written in ~64 KiB batches; a full socket buffer waits for 'drain' (the
 *                 handler's generator is simply not pulled meanwhile), and the loop yields to
 *                 the event loop every rowsPerYield rows even when the client keeps up
 *   idle socket   destroyed after idleTimeoutMs without any read or write progress, which also
 *                 ends a stream to a client that stopped reading
 *
 * Socket file life cycle: the parent directory is created if missing; an existing socket file
 * is removed only after a connect to it is refused (a stale file left by a crash). If something
 * answers, another daemon is alive and listen() fails rather than stealing its socket. A path
 * that exists and is not a socket is never removed. The socket is bound under a private name,
 * chmod-ed to `mode` (0600) and renamed into place, so it is never reachable with a looser
 * mode; close() unlinks it only if it is still ours (same inode).
 */
import { randomBytes } from 'node:crypto'
import { chmod, lstat, mkdir, rename, stat, unlink } from 'node:fs/promises'
import { createConnection, createServer, type Server, type Socket } from 'node:net'
import { dirname, join } from 'node:path'
import { setImmediate as yieldToLoop } from 'node:timers/promises'
import type { ControlHandler } from './handler.js'
import {
  CONTROL_PROTOCOL_VERSION, ControlError, DEFAULT_CONTROL_MODE, LineSplitter, encodeLine, parseRequest,
  type ControlErrorBody, type ControlRequest, type RoutesQuery,
} from './protocol.js'

export const DEFAULT_MAX_REQUEST_BYTES = 64 * 1024
export const DEFAULT_MAX_CLIENTS = 32
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000
export const DEFAULT_IDLE_TIMEOUT_MS = 60_000
export const DEFAULT_ROWS_PER_YIELD = 256
const WRITE_BATCH_CHARS = 64 * 1024
const MAX_SOCKET_PATH = 107
/** How long listen() waits for an existing socket to answer before calling it alive. */
const PROBE_TIMEOUT_MS = 1000

export interface ControlServerOptions {
  path: string
  /** File mode of the socket (default 0600: only the daemon's user may connect). */
  mode?: number
  maxRequestBytes?: number
  maxClients?: number
  requestTimeoutMs?: number
  idleTimeoutMs?: number
  rowsPerYield?: number
  /** Told about handler failures answered as `internal`, and socket errors (the daemon logs them). */
  onError?: (err: Error) => void
}

interface Client {
  readonly sock: Socket
  readonly splitter: LineSplitter
  readonly queue: string[]
  busy: boolean
  /** The client half-closed (`socat`, `nc -N`): answer what was asked, then end. */
  ended: boolean
  /** Aborts the running stream when the client goes away or the server closes. */
  abort: AbortController | null
}

export class ControlServer {
  readonly path: string
  readonly mode: number
  private readonly maxRequestBytes: number
  private readonly maxClients: number
  private readonly requestTimeoutMs: number
  private readonly idleTimeoutMs: number
  private readonly rowsPerYield: number
  private server: Server | null = null
  private readonly clients = new Set<Client>()
  /** Every open connection, the refused (busy) ones included, so close() can end them all. */
  private readonly sockets = new Set<Socket>()
  private ino: number | null = null

  constructor(
    private readonly handler: ControlHandler,
    private readonly opts: ControlServerOptions,
  ) {
    this.path = opts.path
    this.mode = opts.mode ?? DEFAULT_CONTROL_MODE
    this.maxRequestBytes = opts.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES
    this.maxClients = opts.maxClients ?? DEFAULT_MAX_CLIENTS
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.idleTimeoutMs = opts.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS
    this.rowsPerYield = Math.max(1, opts.rowsPerYield ?? DEFAULT_ROWS_PER_YIELD)
  }

  get clientCount(): number {
    return this.clients.size
  }

  async listen(): Promise<void> {
    if (this.server !== null) throw new Error('control server already listening')
    // Bind to a private name in the same directory, set the mode, then rename into place: the
    // socket never appears at `path` with the umask's mode, and libuv's unlink-on-close hits
    // the private name (gone), so close() alone decides whether `path` is still ours to remove.
    const tmp = join(dirname(this.path), `.tsbgp-${randomBytes(4).toString('hex')}`)
    // sockaddr_un.sun_path: 108 octets with the terminating NUL on Linux.
    for (const p of [this.path, tmp]) {
      if (Buffer.byteLength(p) > MAX_SOCKET_PATH) throw new Error(`control socket path ${p} is longer than ${MAX_SOCKET_PATH} bytes (the Unix socket limit)`)
    }
    await mkdir(dirname(this.path), { recursive: true, mode: 0o755 })
    await removeStaleSocket(this.path)
    // allowHalfOpen: a client that sends its request and shuts down its side still gets the answer.
    const server = createServer({ allowHalfOpen: true }, (sock) => this.onConnection(sock))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(tmp, () => {
        server.off('error', reject)
        resolve()
      })
    })
    try {
      await chmod(tmp, this.mode)
      this.ino = (await stat(tmp)).ino
      await rename(tmp, this.path)
    } catch (e) {
      await new Promise<void>((r) => server.close(() => r()))
      await unlink(tmp).catch(() => {})
      throw e
    }
    server.on('error', (e) => this.opts.onError?.(e))
    this.server = server
  }

  async close(): Promise<void> {
    const server = this.server
    if (server === null) return
    this.server = null
    const closed = new Promise<void>((r) => server.close(() => r()))
    for (const c of this.clients) c.abort?.abort()
    for (const sock of this.sockets) sock.destroy()
    await closed
    // Only remove the file if it is still the one we created (a newer daemon may own the path).
    try {
      if (this.ino !== null && (await stat(this.path)).ino === this.ino) await unlink(this.path)
    } catch {
      // already gone
    }
    this.ino = null
  }

  private onConnection(sock: Socket): void {
    sock.on('error', () => {
      // EPIPE / ECONNRESET from a client that went away: its 'close' cleans up.
    })
    this.sockets.add(sock)
    sock.on('close', () => this.sockets.delete(sock))
    sock.setTimeout(this.idleTimeoutMs, () => sock.destroy())
    if (this.clients.size >= this.maxClients) {
      sock.resume() // read and drop, so the client's FIN is seen and the socket closes
      sock.end(errorLine(0, { code: 'busy', message: `too many control clients (limit ${this.maxClients}); try again` }))
      return
    }
    const c: Client = { sock, splitter: new LineSplitter(this.maxRequestBytes), queue: [], busy: false, ended: false, abort: null }
    this.clients.add(c)
    sock.on('close', () => {
      this.clients.delete(c)
      c.abort?.abort()
    })
    sock.on('data', (chunk: Buffer) => {
      const lines = c.splitter.push(chunk)
      if (lines === 'overflow') {
        sock.removeAllListeners('data')
        sock.end(errorLine(0, { code: 'too-large', message: `request larger than ${this.maxRequestBytes} bytes` }))
        return
      }
      for (const l of lines) if (l.trim() !== '') c.queue.push(l)
      if (c.queue.length > 0) this.pump(c).catch((e: unknown) => this.opts.onError?.(e instanceof Error ? e : new Error(String(e))))
    })
    sock.on('end', () => {
      c.ended = true
      if (!c.busy && c.queue.length === 0) sock.end()
    })
  }

  /** Answers queued requests one after the other; the socket is paused meanwhile so the queue stays short. */
  private async pump(c: Client): Promise<void> {
    if (c.busy) return
    c.busy = true
    c.sock.pause()
    try {
      while (c.queue.length > 0 && !c.sock.destroyed) {
        const parsed = parseRequest(c.queue.shift()!)
        if (!parsed.ok) await write(c.sock, errorLine(parsed.id, parsed.error))
        else if (parsed.req.cmd === 'routes') await this.stream(c, parsed.req)
        else await write(c.sock, await this.unary(parsed.req))
      }
    } finally {
      c.busy = false
      if (c.ended) c.sock.end()
      else if (!c.sock.destroyed) c.sock.resume()
    }
  }

  private async unary(req: Exclude<ControlRequest, { cmd: 'routes' }>): Promise<string> {
    try {
      const result = await this.withTimeout(this.call(req), req.cmd)
      return encodeLine({ v: CONTROL_PROTOCOL_VERSION, id: req.id, result })
    } catch (e) {
      return errorLine(req.id, this.errorBody(e))
    }
  }

  private async call(req: Exclude<ControlRequest, { cmd: 'routes' }>): Promise<unknown> {
    const h = this.handler
    switch (req.cmd) {
      case 'ping':
        return { pong: true, v: CONTROL_PROTOCOL_VERSION, pid: process.pid }
      case 'status':
        return h.status()
      case 'neighbors':
        return h.neighbors()
      case 'services':
        return h.services()
      case 'announce':
        return h.announce(req.prefix, req.attributes ?? {})
      case 'withdraw':
        return h.withdraw(req.prefix)
      case 'drain':
        return h.drain(req.service ?? null)
      case 'undrain':
        return h.undrain(req.service ?? null)
      case 'reload':
        return h.reload()
    }
  }

  private async stream(c: Client, req: Extract<ControlRequest, { cmd: 'routes' }>): Promise<void> {
    const { sock } = c
    const ac = new AbortController()
    c.abort = ac
    const q: RoutesQuery = { view: req.view }
    if (req.neighbor !== undefined) q.neighbor = req.neighbor
    if (req.family !== undefined) q.family = req.family
    if (req.prePolicy !== undefined) q.prePolicy = req.prePolicy
    let it: Iterator<unknown> | AsyncIterator<unknown> | null = null
    let done = false
    let rows = 0
    let batch = ''
    try {
      const src = this.handler.routes(q, ac.signal)
      it = Symbol.asyncIterator in src ? src[Symbol.asyncIterator]() : src[Symbol.iterator]()
      let sinceYield = 0
      for (;;) {
        if (sock.destroyed || ac.signal.aborted) return
        const step = it.next()
        const r = step instanceof Promise ? await this.withTimeout(step, 'routes') : step
        if (r.done) {
          done = true
          break
        }
        batch += `{"id":${req.id},"row":${JSON.stringify(r.value)}}\n`
        rows++
        if (batch.length >= WRITE_BATCH_CHARS) {
          const out = batch
          batch = ''
          await write(sock, out)
        }
        if (++sinceYield >= this.rowsPerYield) {
          sinceYield = 0
          await yieldToLoop()
        }
      }
      await write(sock, batch + encodeLine({ v: CONTROL_PROTOCOL_VERSION, id: req.id, end: { rows } }))
    } catch (e) {
      // A generator that threw is finished; one that timed out still has a next() pending.
      done = !(e instanceof ControlError && e.code === 'timeout')
      if (!sock.destroyed) await write(sock, batch + errorLine(req.id, this.errorBody(e)))
    } finally {
      c.abort = null
      // Close an unfinished generator, without waiting: after a timeout its next() may still be
      // pending, and an async generator's return() queues behind it.
      if (!done && it !== null && typeof it.return === 'function') {
        try {
          void Promise.resolve(it.return()).catch(() => {})
        } catch {
          // the handler's cleanup failing must not take the server down
        }
      }
    }
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new ControlError('timeout', `${what}: no answer from the daemon within ${this.requestTimeoutMs} ms`)), this.requestTimeoutMs)
      p.then(
        (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        (e: unknown) => {
          clearTimeout(timer)
          reject(e)
        },
      )
    })
  }

  private errorBody(e: unknown): ControlErrorBody {
    if (e instanceof ControlError) return { code: e.code, message: e.message }
    // The Speaker reports bad input (a prefix, an attribute) as RangeError: the caller's fault.
    if (e instanceof RangeError) return { code: 'invalid', message: e.message }
    const err = e instanceof Error ? e : new Error(String(e))
    this.opts.onError?.(err)
    return { code: 'internal', message: err.message }
  }
}

function errorLine(id: number, error: ControlErrorBody): string {
  return encodeLine({ v: CONTROL_PROTOCOL_VERSION, id, error })
}

/** Writes and, when the socket's buffer is full, waits for 'drain' (or its end). */
function write(sock: Socket, data: string): Promise<void> {
  if (sock.destroyed) return Promise.resolve()
  if (sock.write(data)) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      sock.off('drain', done)
      sock.off('close', done)
      resolve()
    }
    sock.on('drain', done)
    sock.on('close', done)
  })
}

/**
 * Removes a socket file left by a dead daemon. Refuses when the path is not a socket, or when
 * something answers on it (or cannot be asked: EACCES, no answer in time).
 */
export async function removeStaleSocket(path: string): Promise<void> {
  let st
  try {
    st = await lstat(path)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return
    throw e
  }
  if (!st.isSocket()) throw new Error(`${path} exists and is not a socket; refusing to replace it`)
  const answer = await probeSocket(path)
  if (answer === 'alive') throw new Error(`another tsbgp daemon is listening on ${path}`)
  if (answer !== 'dead') throw new Error(`cannot check whether a daemon is listening on ${path}: ${answer}`)
  await unlink(path)
}

/** 'alive' when a connect succeeds, 'dead' when it is refused (or the file vanished), else the reason. */
export function probeSocket(path: string): Promise<'alive' | 'dead' | string> {
  return new Promise((resolve) => {
    const s = createConnection(path)
    const timer = setTimeout(() => finish('no answer within 1 s'), PROBE_TIMEOUT_MS)
    function finish(r: string): void {
      clearTimeout(timer)
      s.destroy()
      resolve(r)
    }
    s.once('connect', () => finish('alive'))
    s.once('error', (e: NodeJS.ErrnoException) => finish(e.code === 'ECONNREFUSED' || e.code === 'ENOENT' ? 'dead' : (e.code ?? e.message)))
  })
}

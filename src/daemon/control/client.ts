/**
 * The control API client (the CLI side of protocol.ts): connect to the Unix socket, send one
 * request, read one response, or read a row stream lazily. Reading is pulled by the consumer
 * (async iteration over the socket), so a slow terminal or pipe pushes back through the socket
 * to the daemon's generator instead of piling rows up in memory on either side.
 *
 * Every failure is a ControlClientError with the exit code the CLI returns (sysexits.h):
 *   69 EX_UNAVAILABLE  no daemon: the socket file is missing, or connect is refused (stale file)
 *   77 EX_NOPERM       the socket exists but we may not connect (mode 0600, other user)
 *   76 EX_PROTOCOL     the daemon closed early, sent a line that is not the protocol
 *   75 EX_TEMPFAIL     no answer in time
 *   or the code mapped from the daemon's error response (CONTROL_ERROR_EXIT)
 */
import { createConnection, type Socket } from 'node:net'
import type { ControlResults } from './handler.js'
import {
  CONTROL_ERROR_EXIT, CONTROL_PROTOCOL_VERSION, LineSplitter, encodeLine, isControlErrorCode,
  type ControlErrorCode, type RequestBody, type StreamCommand, type UnaryCommand,
} from './protocol.js'

export const EX_UNAVAILABLE = 69
export const EX_NOPERM = 77
export const EX_PROTOCOL = 76
export const EX_TEMPFAIL = 75
/** Waits for the daemon's first response line (the server's own request timeout is 30 s). */
export const DEFAULT_CLIENT_TIMEOUT_MS = 35_000
/** A response line above this is refused (a neighbors list of thousands of peers stays far below). */
export const MAX_RESPONSE_LINE = 64 * 1024 * 1024

export class ControlClientError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The daemon's error code when the daemon answered with an error. */
    readonly code: ControlErrorCode | null = null,
  ) {
    super(message)
    this.name = 'ControlClientError'
  }
}

export interface ControlClientOptions {
  timeoutMs?: number
}

let nextId = 1

function connectError(path: string, e: NodeJS.ErrnoException): ControlClientError {
  switch (e.code) {
    case 'ENOENT':
    case 'ECONNREFUSED':
    case 'ENOTDIR':
      return new ControlClientError(`no daemon is listening on ${path} (is \`tsbgp run\` running? see --socket)`, EX_UNAVAILABLE)
    case 'EACCES':
    case 'EPERM':
      return new ControlClientError(`permission denied on ${path}: the control socket belongs to the daemon's user (mode 0600); run as that user or root`, EX_NOPERM)
    default:
      return new ControlClientError(`cannot connect to ${path}: ${e.code ?? e.message}`, EX_UNAVAILABLE)
  }
}

function connect(path: string, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createConnection(path)
    const timer = setTimeout(() => {
      s.destroy()
      reject(new ControlClientError(`no answer from ${path} within ${timeoutMs} ms`, EX_TEMPFAIL))
    }, timeoutMs)
    s.once('connect', () => {
      clearTimeout(timer)
      s.removeAllListeners('error')
      resolve(s)
    })
    s.once('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(connectError(path, e))
    })
  })
}

/** Response lines as parsed objects, pulled from the socket as the caller iterates. */
async function* responses(sock: Socket, path: string, firstLineTimeoutMs: number): AsyncGenerator<Record<string, unknown>> {
  const splitter = new LineSplitter(MAX_RESPONSE_LINE)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    sock.destroy()
  }, firstLineTimeoutMs)
  let first = true
  try {
    for await (const chunk of sock as AsyncIterable<Buffer>) {
      const lines = splitter.push(chunk)
      if (lines === 'overflow') throw new ControlClientError(`response line from ${path} above ${MAX_RESPONSE_LINE} bytes`, EX_PROTOCOL)
      for (const line of lines) {
        if (first) {
          first = false
          clearTimeout(timer)
        }
        let x: unknown
        try {
          x = JSON.parse(line)
        } catch {
          throw new ControlClientError(`the daemon on ${path} sent a line that is not JSON`, EX_PROTOCOL)
        }
        if (typeof x !== 'object' || x === null) throw new ControlClientError(`the daemon on ${path} sent a line that is not an object`, EX_PROTOCOL)
        yield x as Record<string, unknown>
      }
    }
  } catch (e) {
    if (e instanceof ControlClientError) throw e
    if (!timedOut) throw new ControlClientError(`connection to ${path} failed: ${(e as Error).message}`, EX_PROTOCOL)
  } finally {
    clearTimeout(timer)
    sock.destroy()
  }
  if (timedOut) throw new ControlClientError(`no answer from the daemon on ${path} within ${firstLineTimeoutMs} ms`, EX_TEMPFAIL)
  throw new ControlClientError(`the daemon on ${path} closed the connection before answering`, EX_PROTOCOL)
}

function remoteError(x: Record<string, unknown>): ControlClientError | null {
  const e = x.error
  if (typeof e !== 'object' || e === null) return null
  const { code, message } = e as { code?: unknown; message?: unknown }
  const c = isControlErrorCode(code) ? code : 'internal'
  return new ControlClientError(typeof message === 'string' ? message : `daemon error ${String(code)}`, CONTROL_ERROR_EXIT[c], c)
}

async function open(path: string, body: { cmd: string }, timeoutMs: number): Promise<{ sock: Socket; id: number }> {
  const sock = await connect(path, timeoutMs)
  // Errors (EPIPE when a busy daemon closes first) surface through the reading iterator; this
  // listener only keeps one emitted before the iteration starts from being uncaught.
  sock.on('error', () => {})
  const id = nextId++
  sock.write(encodeLine({ v: CONTROL_PROTOCOL_VERSION, id, ...body }))
  return { sock, id }
}

/** Sends one request and returns its result; throws ControlClientError. */
export async function controlRequest<C extends UnaryCommand>(path: string, body: RequestBody<C>, o: ControlClientOptions = {}): Promise<ControlResults[C]> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
  const { sock, id } = await open(path, body, timeoutMs)
  for await (const x of responses(sock, path, timeoutMs)) {
    const err = remoteError(x)
    if (err !== null) throw err
    if (x.id !== id || !('result' in x)) throw new ControlClientError(`unexpected response from the daemon on ${path}`, EX_PROTOCOL)
    return x.result as ControlResults[C]
  }
  // responses() throws when the stream ends without a line
  throw new ControlClientError(`no response from ${path}`, EX_PROTOCOL)
}

/**
 * Sends a streaming request and yields its rows as they arrive; returns the row count from the
 * end marker. Breaking out of the loop closes the connection (the daemon stops its generator).
 */
export async function* controlStream<C extends StreamCommand>(path: string, body: RequestBody<C>, o: ControlClientOptions = {}): AsyncGenerator<ControlResults[C], number> {
  const timeoutMs = o.timeoutMs ?? DEFAULT_CLIENT_TIMEOUT_MS
  const { sock, id } = await open(path, body, timeoutMs)
  for await (const x of responses(sock, path, timeoutMs)) {
    if ('row' in x) {
      yield x.row as ControlResults[C]
      continue
    }
    const err = remoteError(x)
    if (err !== null) throw err
    const end = x.end as { rows?: unknown } | undefined
    if (x.id === id && end !== undefined) return typeof end.rows === 'number' ? end.rows : 0
    throw new ControlClientError(`unexpected response from the daemon on ${path}`, EX_PROTOCOL)
  }
  throw new ControlClientError(`no response from ${path}`, EX_PROTOCOL)
}

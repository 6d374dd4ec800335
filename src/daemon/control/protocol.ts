/**
 * The control API wire format: newline-delimited JSON (one object per line, UTF-8) over a Unix
 * stream socket. The client writes one request line; the server answers with one response line,
 * or, for `routes`, with any number of row lines and one end line, so a full table is never one
 * giant JSON string on either side.
 *
 *   client ── {"v":1,"id":7,"cmd":"neighbors"}\n ──────────────────────────────► server
 *          ◄── {"v":1,"id":7,"result":[...]}\n ──────────────────────────────────
 *
 *   client ── {"v":1,"id":8,"cmd":"routes","view":"received","neighbor":"192.0.2.1"}\n ──►
 *          ◄── {"id":8,"row":{...}}\n  × N    (NDJSON rows; the client renders as it reads)
 *          ◄── {"v":1,"id":8,"end":{"rows":N}}\n
 *
 *   any failure: {"v":1,"id":8,"error":{"code":"not-found","message":"no neighbor 192.0.2.9"}}\n
 *   (also in place of the end line, after some rows, when a stream fails half way)
 *
 * `v` is the protocol version: a server refuses a request of another major version with
 * `version`, so an old CLI talking to a new daemon (or the reverse) fails with a clear message
 * instead of misreading fields. Requests are pipelined in order on one connection; ids are
 * echoed so a client can match them. Everything here is plain data (no classes on the wire).
 */

export const CONTROL_PROTOCOL_VERSION = 1
/** Where `tsbgp run` listens and the CLI connects when neither --socket nor TSBGP_SOCKET says otherwise. */
export const DEFAULT_CONTROL_SOCKET = '/run/tsbgp/tsbgp.sock'
export const DEFAULT_CONTROL_MODE = 0o600

export type FamilyName = 'ipv4' | 'ipv6'

/** Attributes of a locally originated route, as the CLI sends them (Speaker.announce's plain-data form). */
export interface ControlAnnounceAttributes {
  origin?: 'igp' | 'egp' | 'incomplete'
  asPath?: number[]
  med?: number
  localPref?: number
  /** "65000:1" or a well-known name ("no-export", "graceful-shutdown"). */
  communities?: string[]
  /** "65000:1:2". */
  largeCommunities?: string[]
  /** Next hop toward iBGP peers (IPv4 or IPv6 by the prefix's family). */
  nextHop?: string
}

export type RoutesView = 'best' | 'received' | 'advertised'

export interface RoutesQuery {
  /** best = Loc-RIB (default), received = Adj-RIB-In, advertised = Adj-RIB-Out. */
  view: RoutesView
  /** Only this neighbor's routes (best: paths learned from it); absent = every neighbor. */
  neighbor?: string
  family?: FamilyName
  /** received: the routes as received, before import policy (when the daemon keeps them). */
  prePolicy?: boolean
}

interface Req<C extends string> {
  v: number
  id: number
  cmd: C
}

export type ControlRequest =
  | Req<'ping'>
  | Req<'status'>
  | Req<'neighbors'>
  | (Req<'routes'> & RoutesQuery)
  | Req<'services'>
  | (Req<'announce'> & { prefix: string; attributes?: ControlAnnounceAttributes })
  | (Req<'withdraw'> & { prefix: string })
  /** No service = every service. */
  | (Req<'drain'> & { service?: string })
  | (Req<'undrain'> & { service?: string })
  | Req<'reload'>

export type ControlCommand = ControlRequest['cmd']
/** The commands answered with a row stream instead of one result. */
export type StreamCommand = 'routes'
export type UnaryCommand = Exclude<ControlCommand, StreamCommand>
export type RequestOf<C extends ControlCommand> = Extract<ControlRequest, { cmd: C }>
/** A request as the caller writes it: the client fills v and id. */
export type RequestBody<C extends ControlCommand> = { cmd: C } & Omit<RequestOf<C>, 'v' | 'id' | 'cmd'>

export const CONTROL_COMMANDS: readonly ControlCommand[] = [
  'ping', 'status', 'neighbors', 'routes', 'services', 'announce', 'withdraw', 'drain', 'undrain', 'reload',
]

/**
 * Error codes, each with the CLI exit code it maps to (sysexits.h). `handler` codes come from the
 * daemon's ControlHandler (a ControlError), the others from the server itself.
 */
export const CONTROL_ERROR_EXIT = {
  'bad-request': 64, // EX_USAGE: malformed JSON, missing or mistyped field
  'unknown-command': 64,
  version: 76, // EX_PROTOCOL: CLI and daemon speak different protocol versions
  'too-large': 64, // request line above the server's limit
  'not-found': 1, // no such neighbor / service / prefix
  invalid: 65, // EX_DATAERR: a value the daemon refused (bad prefix, attribute)
  busy: 75, // EX_TEMPFAIL: too many control clients
  timeout: 75,
  failed: 1, // the operation ran and failed (reload with config errors)
  internal: 70, // EX_SOFTWARE
} as const

export type ControlErrorCode = keyof typeof CONTROL_ERROR_EXIT

export interface ControlErrorBody {
  code: ControlErrorCode
  message: string
}

export type ControlResponse<R = unknown> =
  | { v: number; id: number; result: R }
  | { v: number; id: number; error: ControlErrorBody }

export type StreamLine<Row = unknown> =
  | { id: number; row: Row }
  | { v: number; id: number; end: { rows: number } }
  | { v: number; id: number; error: ControlErrorBody }

/** Thrown by a ControlHandler to answer with a specific code; anything else becomes `internal`. */
export class ControlError extends Error {
  constructor(
    readonly code: ControlErrorCode,
    message: string,
  ) {
    super(message)
    this.name = 'ControlError'
  }
}

export function isControlErrorCode(x: unknown): x is ControlErrorCode {
  return typeof x === 'string' && Object.hasOwn(CONTROL_ERROR_EXIT, x)
}

const NL = 0x0a

/**
 * Splits a byte stream into lines, holding at most `maxLine` octets of an unfinished line: a peer
 * that never sends a newline cannot make us buffer without bound. Chunks are kept as a list and
 * joined once per line, so a long line arriving in many small chunks costs O(n), not O(n²).
 */
export class LineSplitter {
  private parts: Buffer[] = []
  private partBytes = 0

  constructor(readonly maxLine: number) {}

  /** The complete lines in `chunk` (without the newline); 'overflow' when a line exceeds maxLine. */
  push(chunk: Buffer): string[] | 'overflow' {
    const lines: string[] = []
    let start = 0
    for (;;) {
      const nl = chunk.indexOf(NL, start)
      if (nl < 0) break
      if (this.partBytes + (nl - start) > this.maxLine) return 'overflow'
      let line: Buffer
      if (this.partBytes === 0) {
        line = chunk.subarray(start, nl)
      } else {
        this.parts.push(chunk.subarray(start, nl))
        line = Buffer.concat(this.parts)
        this.parts = []
        this.partBytes = 0
      }
      lines.push(line.toString('utf8'))
      start = nl + 1
    }
    if (start < chunk.length) {
      const rest = chunk.length - start
      if (this.partBytes + rest > this.maxLine) return 'overflow'
      this.parts.push(chunk.subarray(start))
      this.partBytes += rest
    }
    return lines
  }

  /** Octets of an unfinished line still held. */
  get pending(): number {
    return this.partBytes
  }
}

function isObj(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x)
}

const optString = (o: Record<string, unknown>, k: string): boolean => o[k] === undefined || typeof o[k] === 'string'

/**
 * Checks one request line's shape. Returns the request, or an error body plus whatever id could
 * be read (0 when none), so the reply can still be matched.
 */
export function parseRequest(line: string): { ok: true; req: ControlRequest } | { ok: false; id: number; error: ControlErrorBody } {
  let x: unknown
  try {
    x = JSON.parse(line)
  } catch {
    return { ok: false, id: 0, error: { code: 'bad-request', message: 'request is not valid JSON' } }
  }
  if (!isObj(x)) return { ok: false, id: 0, error: { code: 'bad-request', message: 'request must be a JSON object' } }
  const id = typeof x.id === 'number' && Number.isSafeInteger(x.id) ? x.id : 0
  const bad = (message: string): { ok: false; id: number; error: ControlErrorBody } => ({ ok: false, id, error: { code: 'bad-request', message } })
  if (typeof x.v !== 'number') return bad('missing protocol version "v"')
  if (x.v !== CONTROL_PROTOCOL_VERSION) {
    return { ok: false, id, error: { code: 'version', message: `protocol version ${x.v} not supported (daemon speaks ${CONTROL_PROTOCOL_VERSION}); use the tsbgp CLI of the running daemon` } }
  }
  if (typeof x.cmd !== 'string' || !CONTROL_COMMANDS.includes(x.cmd as ControlCommand)) {
    return { ok: false, id, error: { code: 'unknown-command', message: `unknown command ${JSON.stringify(x.cmd)}` } }
  }
  switch (x.cmd as ControlCommand) {
    case 'routes':
      if (x.view !== 'best' && x.view !== 'received' && x.view !== 'advertised') return bad('routes: view must be best, received or advertised')
      if (!optString(x, 'neighbor')) return bad('routes: neighbor must be a string')
      if (x.family !== undefined && x.family !== 'ipv4' && x.family !== 'ipv6') return bad('routes: family must be ipv4 or ipv6')
      if (x.prePolicy !== undefined && typeof x.prePolicy !== 'boolean') return bad('routes: prePolicy must be a boolean')
      break
    case 'announce':
      if (typeof x.prefix !== 'string') return bad('announce: prefix must be a string')
      if (x.attributes !== undefined && !isObj(x.attributes)) return bad('announce: attributes must be an object')
      break
    case 'withdraw':
      if (typeof x.prefix !== 'string') return bad('withdraw: prefix must be a string')
      break
    case 'drain':
    case 'undrain':
      if (!optString(x, 'service')) return bad(`${x.cmd}: service must be a string`)
      break
    default:
      break
  }
  return { ok: true, req: x as unknown as ControlRequest }
}

/** One response line (newline included). */
export function encodeLine(obj: unknown): string {
  return JSON.stringify(obj) + '\n'
}

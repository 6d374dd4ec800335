/**
 * `tsbgp decode --pcap FILE`: every BGP message in a capture as one NDJSON line.
 *
 *   file ─► readPackets ─► tcpSegments(ports) ─► reassemble ─► bgpMessages ─► NDJSON on `out`
 *
 * Lines:
 *   message   { ts, src, dst, ...messageToJson }                 src/dst are "addr:port" ("[v6]:port")
 *   error     { ts, src, dst, ...errorToJson, hex }              the message framed but did not decode
 *   stream    { type: "STREAM", ts, streamId, event: "desync" | "truncated" | "context", reason }
 * Exit codes (sysexits.h): 0 done (decode errors are output, not failures), 64 bad options,
 * 66 the capture cannot be read.
 */
import { once } from 'node:events'
import { bgpMessages, type BgpRecord } from '../capture/bgp-streams.js'
import { CaptureError, readPackets } from '../capture/read-packets.js'
import { reassemble } from '../capture/reassembly.js'
import { parseFamilies, type ContextOverrides } from '../capture/session-context.js'
import { newSegmentStats, tcpSegments } from '../capture/tcp.js'
import { errorToJson, messageToJson } from '../wire/json.js'

export const EXIT_OK = 0
export const EXIT_USAGE = 64
export const EXIT_NOINPUT = 66
/** Notes (skipped fragments, truncation) printed before they are only counted. */
const MAX_NOTES = 20

export interface DecodePcapOptions {
  file: string
  /** TCP ports that carry BGP (default [179]). */
  ports?: number[]
  as4?: boolean
  /** Family names for ADD-PATH in both directions ("ipv4", "ipv6", "1/128", ...). */
  addPath?: string[]
  extendedMessage?: boolean
  out: NodeJS.WritableStream
  /** Diagnostics (default process.stderr). */
  err?: NodeJS.WritableStream
}

export async function decodePcap(opts: DecodePcapOptions): Promise<number> {
  const err = opts.err ?? process.stderr
  const ports = opts.ports && opts.ports.length ? opts.ports : [179]
  const bad = ports.find((p) => !Number.isInteger(p) || p < 0 || p > 65535)
  if (bad !== undefined) {
    err.write(`tsbgp: invalid TCP port ${bad}\n`)
    return EXIT_USAGE
  }
  let overrides: ContextOverrides
  try {
    overrides = { as4: opts.as4, extendedMessage: opts.extendedMessage, addPath: parseFamilies(opts.addPath ?? []) }
  } catch (e) {
    err.write(`tsbgp: --add-path: ${(e as Error).message}\n`)
    return EXIT_USAGE
  }

  let notes = 0
  const note = (msg: string): void => {
    if (++notes <= MAX_NOTES) err.write(`tsbgp: ${opts.file}: ${msg}\n`)
  }
  const stats = newSegmentStats()
  const packets = readPackets(opts.file, { note })
  const records = bgpMessages(reassemble(tcpSegments(packets, new Set(ports), { note, stats })), overrides)
  const w = new LineWriter(opts.out)
  let lines = 0
  try {
    for await (const r of records) {
      lines++
      if (!(await w.write(JSON.stringify(recordToJson(r))))) break
    }
    if (lines === 0) {
      // Say why the output is empty: the usual cause is BGP on another port (--port).
      err.write(`tsbgp: ${opts.file}: no BGP data: ${stats.frames} frames, none of them TCP on port ${ports.join(', ')}` +
        `${stats.otherPorts ? ` (${stats.otherPorts} TCP segments on other ports)` : ''}\n`)
    }
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e
    err.write(`tsbgp: ${e.message}\n`)
    return EXIT_NOINPUT
  } finally {
    w.dispose()
    if (notes > MAX_NOTES) err.write(`tsbgp: ${opts.file}: ${notes - MAX_NOTES} more notes not shown\n`)
  }
  return EXIT_OK
}

/** The NDJSON object of one record (exported for tests and other front ends). */
export function recordToJson(r: BgpRecord): object {
  switch (r.kind) {
    case 'message':
      return { ts: r.ts, src: r.src, dst: r.dst, ...messageToJson(r.message) }
    case 'error':
      return { ts: r.ts, src: r.src, dst: r.dst, ...errorToJson(r.typeName, r.error), hex: r.bytes.toString('hex') }
    case 'desync':
    case 'truncated':
    case 'context':
      return { type: 'STREAM', ts: r.ts, streamId: r.streamId, event: r.kind, reason: r.reason }
  }
}

/**
 * Line output that honours back-pressure: waits for 'drain' when write() returns false.
 * write() resolves false once the consumer is gone (EPIPE from `| head`), so the caller stops reading.
 */
export class LineWriter {
  private closed = false
  private readonly onError = (): void => {
    this.closed = true
  }

  constructor(private readonly out: NodeJS.WritableStream) {
    out.on('error', this.onError)
  }

  async write(line: string): Promise<boolean> {
    if (this.closed) return false
    if (this.out.write(line + '\n')) return true
    const ac = new AbortController()
    try {
      await Promise.race([once(this.out, 'drain', { signal: ac.signal }), once(this.out, 'close', { signal: ac.signal }).then(this.onError)])
    } catch {
      this.closed = true
    } finally {
      ac.abort() // removes the listener that did not fire
    }
    return !this.closed
  }

  /** Detach from the stream. */
  dispose(): void {
    this.out.removeListener('error', this.onError)
  }
}

/**
 * A minimal, fast BGP sender for the ingestion benchmark (issue 4). A TEST TOOL, not a speaker:
 * a tiny FSM with no dependencies beyond the wire codec (OpenSent -> OpenConfirm -> Established,
 * RFC 4271 §8.2.2 in spirit only: no collision handling, no timers but KEEPALIVE, no retries).
 *
 *   encode N prefixes (packUpdates, before any socket: encoding time is excluded)
 *     -> connect host:port (or accept one connection on --listen)
 *     -> OPEN (4-octet AS, MP IPv4+IPv6 unicast, route refresh, optional extended message)
 *     <- OPEN  -> KEEPALIVE
 *     <- KEEPALIVE           => Established: the instant is recorded (monotonic clock)
 *     -> UPDATEs, as fast as the socket takes them (write() + 'drain': back-pressure honoured)
 *     -> End-of-RIB (RFC 4724 §2)
 *     .. KEEPALIVE every hold/3 until stdin closes or SIGTERM, then NOTIFICATION Cease.
 *
 * Why not BIRD as the sender: it needs about 3.7 s to send 1M routes, longer than the receivers
 * take to ingest them. Why a child process: the orchestrator polls receivers (birdc, gobgp)
 * meanwhile and must not steal the sender's event loop.
 *
 * Output: one JSON line per event on stdout, times in ms of CLOCK_MONOTONIC (process.hrtime),
 * which every process on the machine shares, so instants from several processes compare.
 *   {"event":"ready","messages","bytes","prefixes","encodeMs"}   {"event":"established","t",...}
 *   {"event":"sent","t"} (every UPDATE and the End-of-RIB handed to the kernel)  {"event":"closed","reason"}
 */
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { connect, createServer, type Socket } from 'node:net'
import { parseArgs } from 'node:util'
import { makeWireContext, type WireContext } from '../src/wire/context.js'
import { CeaseSubcode, ErrorCode, HEADER_LENGTH, MessageType } from '../src/wire/iana.js'
import { encodeMessage, MessageReader } from '../src/wire/message.js'
import { decodeNotification, makeNotification } from '../src/wire/notification.js'
import { decodeOpen, makeOpen, openAsn, openCapabilities } from '../src/wire/open.js'
import type { NlriList } from '../src/wire/prefix.js'
import type { Capability, PathAttributes } from '../src/wire/types.js'
import { endOfRib, packUpdates } from '../src/wire/update-packer.js'

export type BenchFamily = 'ipv4' | 'ipv6'

/** Milliseconds of CLOCK_MONOTONIC: comparable between processes of this machine. */
export function monoMs(): number {
  return Number(process.hrtime.bigint()) / 1e6
}

/** VmRSS of a process in kB (0 once it is gone). */
export function vmRssKb(pid: number | 'self' = 'self'): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m === null ? 0 : Number(m[1])
  } catch {
    return 0
  }
}

/** IPv4: /24s from 1.0.0.0 up (1M of them end at 16.255.255.0/24). IPv6: /48s in 2a00::/12. */
export function benchTable(family: BenchFamily, n: number, from = 0, to = n): NlriList {
  if (family === 'ipv4') {
    const keys: number[] = new Array(to - from)
    for (let i = from; i < to; i++) keys[i - from] = (0x01000000 + i * 256) * 64 + 24
    return { afi: 1, keys, pathIds: null }
  }
  const keys: string[] = new Array(to - from)
  for (let i = from; i < to; i++) {
    keys[i - from] = String.fromCharCode(48, 0x2a, (i >>> 24) & 0x0f, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, 0)
  }
  return { afi: 2, keys, pathIds: null }
}

/** Text form of prefix i of benchTable (for BIRD static configs and spot checks). */
export function benchPrefixText(family: BenchFamily, i: number): string {
  if (family === 'ipv4') {
    const a = 0x01000000 + i * 256
    return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.0/24`
  }
  const h = (x: number): string => x.toString(16)
  return `2a0${h((i >>> 24) & 0x0f)}:${h(((i >>> 16) & 255) * 256 + ((i >>> 8) & 255))}:${h((i & 255) * 256)}::/48`
}

/**
 * Attribute set number `set`: a 3-AS path through varying neighbours, a MED and two communities,
 * so the receiver interns `sets` distinct sets (a full table has tens of thousands).
 */
export function benchAttributes(family: BenchFamily, localAs: number, nextHop: string, set: number): PathAttributes {
  const a: PathAttributes = {
    origin: 0,
    asPath: [{ type: 2, asns: [localAs, 64600 + (set % 97), 4200000000 + set] }],
    med: set % 7,
    communities: [((localAs & 0xffff) << 16) | (set % 13), ((localAs & 0xffff) << 16) | 1000],
  }
  if (family === 'ipv4') a.nextHop = nextHop
  else a.mpReach = { afi: 2, safi: 1, nextHop: [nextHop], nlri: { afi: 2, keys: [], pathIds: null } }
  return a
}

export interface EncodedTable {
  messages: number
  bytes: number
  /** The UPDATEs back to back, cut in write-sized slices (no copy). */
  chunks: Buffer[]
  encodeMs: number
}

const CHUNK = 256 * 1024

/** All UPDATEs for n prefixes in `sets` blocks of consecutive prefixes, one attribute set per block. */
export function encodeTable(family: BenchFamily, n: number, sets: number, localAs: number, nextHop: string, ctx: WireContext): EncodedTable {
  const t0 = monoMs()
  const msgs: Buffer[] = []
  const per = Math.ceil(n / sets)
  for (let s = 0, from = 0; from < n; s++, from += per) {
    const to = Math.min(n, from + per)
    for (const m of packUpdates({ attributes: benchAttributes(family, localAs, nextHop, s), announce: benchTable(family, n, from, to) }, ctx)) msgs.push(m)
  }
  const all = Buffer.concat(msgs)
  const chunks: Buffer[] = []
  for (let off = 0; off < all.length; off += CHUNK) chunks.push(all.subarray(off, Math.min(all.length, off + CHUNK)))
  return { messages: msgs.length, bytes: all.length, chunks, encodeMs: monoMs() - t0 }
}

export interface SenderOptions {
  family: BenchFamily
  count: number
  sets: number
  localAs: number
  routerId: string
  nextHop: string
  extendedMessage: boolean
  holdTimeSec: number
  connect?: { host: string; port: number; localAddress?: string }
  listen?: { host: string; port: number }
}

type State = 'OpenSent' | 'OpenConfirm' | 'Established' | 'Closed'

function emit(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n')
}

async function getSocket(o: SenderOptions): Promise<Socket> {
  if (o.connect !== undefined) {
    const s = connect({ host: o.connect.host, port: o.connect.port, localAddress: o.connect.localAddress })
    await once(s, 'connect')
    return s
  }
  const l = o.listen!
  const srv = createServer()
  srv.listen(l.port, l.host)
  await once(srv, 'listening')
  emit({ event: 'listening', host: l.host, port: l.port })
  const [s] = (await once(srv, 'connection')) as [Socket]
  srv.close() // one session only
  return s
}

/** Runs one session to the end; resolves with the reason it closed. */
export async function runSender(o: SenderOptions, stop: Promise<void>): Promise<string> {
  const afi = o.family === 'ipv4' ? 1 : 2
  // Encoded for a 4-octet-AS session; the peer must agree (checked on its OPEN).
  const ctx = makeWireContext({ as4: true, extendedMessage: o.extendedMessage })
  const table = encodeTable(o.family, o.count, o.sets, o.localAs, o.nextHop, ctx)
  emit({ event: 'ready', messages: table.messages, bytes: table.bytes, prefixes: o.count, encodeMs: Math.round(table.encodeMs) })

  const caps: Capability[] = [
    { code: 1, afi: 1, safi: 1 },
    { code: 1, afi: 2, safi: 1 },
    { code: 2 },
    { code: 65, asn: o.localAs },
  ]
  if (o.extendedMessage) caps.push({ code: 6 })
  const open = encodeMessage(makeOpen({ asn: o.localAs, holdTime: o.holdTimeSec, bgpId: o.routerId, capabilities: caps }), makeWireContext())
  const keepalive = encodeMessage({ type: 'KEEPALIVE' }, makeWireContext())

  const socket = await getSocket(o)
  socket.setNoDelay(true)
  // An object, not a `let`: the handlers change it behind the compiler's narrowing.
  const st: { state: State } = { state: 'OpenSent' }
  let closeReason = ''
  let keepaliveTimer: NodeJS.Timeout | null = null
  const reader = new MessageReader()
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  let establish!: () => void
  const established = new Promise<void>((resolve) => (establish = resolve))
  const fail = (why: string): void => {
    if (st.state === 'Closed') return
    closeReason = why
    st.state = 'Closed'
    socket.destroy()
  }
  socket.on('error', (e) => fail(`socket: ${e.message}`))
  socket.on('close', () => fail('peer closed the connection'))
  socket.on('data', (chunk: Buffer) => {
    try {
      onData(chunk)
    } catch (e) {
      fail(`decode: ${(e as Error).message}`) // a BgpError from a malformed OPEN/NOTIFICATION
    }
  })
  const onData = (chunk: Buffer): void => {
    reader.push(chunk)
    for (let r = reader.next(); r.kind !== 'need'; r = reader.next()) {
      if (r.kind === 'error') return fail(`framing: ${r.error.message}`)
      const b = r.bytes
      if (r.type === MessageType.NOTIFICATION) {
        const n = decodeNotification(b, HEADER_LENGTH, b.length, ctx)
        return fail(`NOTIFICATION received ${n.code}/${n.subcode}${n.message === undefined ? '' : ` "${n.message}"`}`)
      }
      if (st.state === 'OpenSent') {
        if (r.type !== MessageType.OPEN) return fail(`expected OPEN, got type ${r.type}`)
        const peer = decodeOpen(b, HEADER_LENGTH, b.length, ctx)
        const pc = openCapabilities(peer)
        if (!pc.some((c) => c.code === 65)) return fail('peer lacks the 4-octet AS capability (RFC 6793): the UPDATEs were encoded for it')
        if (o.extendedMessage && !pc.some((c) => c.code === 6)) return fail('peer lacks Extended Message (RFC 8654)')
        if (!pc.some((c) => c.code === 1 && (c as { afi: number }).afi === afi)) return fail(`peer did not advertise AFI ${afi} unicast`)
        const hold = Math.min(peer.holdTime, o.holdTimeSec)
        if (hold > 0) keepaliveTimer = setInterval(() => socket.write(keepalive), Math.max(1000, (hold * 1000) / 3))
        emit({ event: 'open', peerAs: openAsn(peer), holdTime: hold })
        socket.write(keepalive)
        st.state = 'OpenConfirm'
      } else if (st.state === 'OpenConfirm') {
        if (r.type !== MessageType.KEEPALIVE) return fail(`expected KEEPALIVE, got type ${r.type}`)
        st.state = 'Established'
        establish()
      }
      // Established: KEEPALIVEs and any UPDATE from the peer are read and dropped.
    }
  }
  socket.write(open)
  await Promise.race([established, closed])
  if (st.state === 'Established') {
    emit({ event: 'established', t: monoMs() })
    for (const c of table.chunks) {
      if (st.state !== 'Established') break
      if (!socket.write(c)) await Promise.race([once(socket, 'drain'), closed])
    }
    if (st.state === 'Established') {
      // 'sent' = the last octet (End-of-RIB, after every UPDATE) left our user-space queue for the kernel.
      await new Promise<void>((resolve) => socket.write(endOfRib(afi, 1), () => resolve()))
      emit({ event: 'sent', t: monoMs() })
    }
  }
  await Promise.race([stop, closed])
  if (keepaliveTimer !== null) clearInterval(keepaliveTimer)
  if (st.state !== 'Closed') {
    closeReason = 'stopped'
    st.state = 'Closed'
    const cease = encodeMessage(makeNotification(ErrorCode.CEASE, CeaseSubcode.ADMINISTRATIVE_SHUTDOWN), ctx)
    socket.end(cease)
    await Promise.race([closed, new Promise((r) => setTimeout(r, 1000).unref())])
    socket.destroy()
  }
  return closeReason
}

function hostPort(s: string): { host: string; port: number } {
  const i = s.lastIndexOf(':')
  const port = Number(s.slice(i + 1))
  if (i < 0 || !Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`expected HOST:PORT, got ${s}`)
  return { host: s.slice(0, i), port }
}

async function main(): Promise<void> {
  const { values: v } = parseArgs({
    options: {
      connect: { type: 'string' },
      listen: { type: 'string' },
      local: { type: 'string' },
      family: { type: 'string', default: 'ipv4' },
      count: { type: 'string', default: '1000000' },
      sets: { type: 'string', default: '1000' },
      as: { type: 'string', default: '65001' },
      'router-id': { type: 'string', default: '127.0.0.2' },
      'next-hop': { type: 'string' },
      'hold-time': { type: 'string', default: '90' },
      'extended-message': { type: 'boolean', default: false },
    },
  })
  const family = v.family === 'ipv6' ? 'ipv6' : 'ipv4'
  if (v.connect === undefined && v.listen === undefined) throw new Error('--connect HOST:PORT or --listen HOST:PORT')
  const o: SenderOptions = {
    family,
    count: Number(v.count),
    sets: Math.max(1, Number(v.sets)),
    localAs: Number(v.as),
    routerId: v['router-id']!,
    // Not the loopback source address: GoBGP treats a loopback next hop as invalid (RFC 7606 withdraw).
    nextHop: v['next-hop'] ?? (family === 'ipv4' ? '192.0.2.1' : '2001:db8::1'),
    extendedMessage: v['extended-message'] === true,
    holdTimeSec: Number(v['hold-time']),
    connect: v.connect === undefined ? undefined : { ...hostPort(v.connect), localAddress: v.local },
    listen: v.listen === undefined ? undefined : hostPort(v.listen),
  }
  // Told to stop: stdin closes (the parent died or ended it) or SIGTERM/SIGINT.
  const stop = new Promise<void>((resolve) => {
    process.stdin.on('end', resolve).on('error', resolve).resume()
    process.once('SIGTERM', resolve)
    process.once('SIGINT', resolve)
  })
  const reason = await runSender(o, stop)
  emit({ event: 'closed', reason })
  process.exit(0)
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((e: Error) => {
    emit({ event: 'error', message: e.message })
    process.exit(1)
  })
}

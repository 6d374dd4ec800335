/**
 * Round trip of third-party vectors in ../shared (read-only, absent in some checkouts):
 * - ExaBGP 5.0 functional-test messages (exabgp-5.0/encoding/*.msg: `N:raw:<marker>:<length>:<type>:<body>`):
 *   the OPEN, NOTIFICATION, KEEPALIVE and ROUTE-REFRESH ones;
 * - ryu's bgp4 captures (ryu/bgp4/*.pcap: libpcap, Ethernet/IPv4/TCP, one BGP message each):
 *   every message, UPDATEs included.
 * Each must decode without error and re-encode byte for byte.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import t from 'tap'
import { DEFAULT_CONTEXT, makeWireContext, type WireContext } from '../../src/wire/context.js'
import { messageToJson } from '../../src/wire/json.js'
import { decodeMessage, encodeMessage, MessageReader } from '../../src/wire/message.js'
import type { Test } from './msg-codec-helper.js'

const SHARED = new URL('../../../shared/', import.meta.url)
const EXABGP = new URL('fixtures/exabgp-5.0/encoding/', SHARED)
const RYU = new URL('fixtures/ryu/bgp4/', SHARED)

function roundTrip(t: Test, label: string, bytes: Buffer, ctx: WireContext): void {
  const { message, length } = decodeMessage(bytes, 0, ctx)
  t.equal(length, bytes.length, `${label}: length`)
  if (message.type === 'UPDATE') t.notOk(message.errors, `${label}: no RFC 7606 errors`)
  t.ok(messageToJson(message), `${label}: JSON`)
  t.equal(encodeMessage(message, ctx).toString('hex'), bytes.toString('hex'), `${label}: ${message.type} re-encodes`)
}

const skipExa = existsSync(EXABGP) ? false : `ExaBGP vectors absent: ${EXABGP.pathname}`
t.test('ExaBGP encoding vectors: OPEN, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH', { skip: skipExa }, async (t) => {
  let n = 0
  for (const f of readdirSync(EXABGP).filter((x) => x.endsWith('.msg')).sort()) {
    const lines = readFileSync(new URL(f, EXABGP), 'utf8').split('\n')
    lines.forEach((line, i) => {
      const m = /^[^:]+:raw:([0-9A-F]{32}):([0-9A-F]{4}):(0[1345]):([0-9A-F]*)$/i.exec(line.trim())
      if (!m) return
      n++
      roundTrip(t, `${f}:${i + 1}`, Buffer.from(m[1]! + m[2]! + m[3]! + m[4]!, 'hex'), DEFAULT_CONTEXT)
    })
  }
  t.ok(n >= 10, `${n} non-UPDATE messages`)
})

/** TCP payloads of a libpcap file (Ethernet, optional 802.1Q, IPv4 or IPv6). */
function tcpPayloads(file: Buffer): Buffer[] {
  const magic = file.readUInt32LE(0)
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d
  const u32 = (o: number) => (le ? file.readUInt32LE(o) : file.readUInt32BE(o))
  if (!le && file.readUInt32BE(0) !== 0xa1b2c3d4 && file.readUInt32BE(0) !== 0xa1b23c4d) throw new Error('not a libpcap file')
  if (u32(20) !== 1) throw new Error(`link type ${u32(20)} is not Ethernet`)
  const out: Buffer[] = []
  for (let off = 24; off + 16 <= file.length; ) {
    const caplen = u32(off + 8)
    const pkt = file.subarray(off + 16, off + 16 + caplen)
    off += 16 + caplen
    let p = 12
    let etherType = pkt.readUInt16BE(p)
    while (etherType === 0x8100) {
      p += 4
      etherType = pkt.readUInt16BE(p)
    }
    p += 2
    let proto: number
    if (etherType === 0x0800) {
      proto = pkt[p + 9]!
      const total = pkt.readUInt16BE(p + 2)
      const ipEnd = p + total
      p += (pkt[p]! & 0x0f) * 4
      if (proto !== 6) continue
      const tcpHdr = (pkt[p + 12]! >> 4) * 4
      out.push(pkt.subarray(p + tcpHdr, ipEnd))
    } else if (etherType === 0x86dd) {
      proto = pkt[p + 6]!
      const ipEnd = p + 40 + pkt.readUInt16BE(p + 4)
      p += 40
      if (proto !== 6) continue
      const tcpHdr = (pkt[p + 12]! >> 4) * 4
      out.push(pkt.subarray(p + tcpHdr, ipEnd))
    }
  }
  return out
}

const skipRyu = existsSync(RYU) ? false : `ryu captures absent: ${RYU.pathname}`
t.test('ryu bgp4 captures', { skip: skipRyu }, async (t) => {
  const files = readdirSync(RYU).filter((x) => x.endsWith('.pcap')).sort()
  t.ok(files.length > 0)
  for (const f of files) {
    const reader = new MessageReader()
    for (const payload of tcpPayloads(readFileSync(new URL(f, RYU)))) reader.push(payload)
    let n = 0
    for (let x = reader.next(); x.kind !== 'need'; x = reader.next()) {
      if (x.kind === 'error') throw x.error
      n++
      // ryu's OPEN advertises the 4-octet AS capability, and its UPDATEs use 4-octet AS_PATHs
      roundTrip(t, `${f} #${n}`, x.bytes, x.type === 2 ? makeWireContext({ as4: true }) : DEFAULT_CONTEXT)
    }
    t.ok(n > 0, `${f}: ${n} message(s)`)
    t.equal(reader.buffered, 0, `${f}: no bytes left over`)
  }
})

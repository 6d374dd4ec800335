/**
 * PCAP Next Generation (draft-ietf-opsawg-pcapng §3, §4).
 *
 *  General block structure (§3.1)            Enhanced Packet Block body (§4.3)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          Block Type                           |   Interface ID
 *  +---------------------------------------------------------------+   Timestamp (Upper 32)
 *  |                      Block Total Length                       |   Timestamp (Lower 32)
 *  +---------------------------------------------------------------+   Captured Packet Length
 *  /                          Block Body                           /   Original Packet Length
 *  +---------------------------------------------------------------+   Packet Data (padded to 32 bits)
 *  |                      Block Total Length                       |   Options
 *  +---------------------------------------------------------------+
 *
 * Blocks read: SHB 0x0A0D0D0A (byte order, resets interfaces), IDB 1 (link type, snaplen,
 * if_tsresol 9, if_tsoffset 14), EPB 6, SPB 3, OPB 2 (obsolete). Every other block is skipped.
 * §4.1: "Byte-Order Magic ... 0x1A2B3C4D ... This field can be used to distinguish sections that
 * have been saved on little-endian machines from the ones saved on big-endian machines", and each
 * section may differ, so the byte order is re-read at every SHB.
 */
import { ByteReader, CaptureError } from './file-source.js'
import type { NoteSink, Packet } from './packet.js'
import { MAX_RECORD_BYTES } from './pcap.js'

export const PCAPNG_SHB = 0x0a0d0d0a
const BOM = 0x1a2b3c4d
const IDB = 1
const OPB = 2
const SPB = 3
const EPB = 6
const OPT_IF_TSRESOL = 9
const OPT_IF_TSOFFSET = 14
/** Blocks we parse (SHB, IDB) are small; a larger one means a corrupt length. */
const MAX_HEADER_BLOCK_BYTES = 1 << 20

interface Interface {
  linkType: number
  snapLen: number
  /** Timestamp units per second (§4.2 if_tsresol; default 10^6). */
  unitsPerSec: bigint
  offsetSec: number
}

/** Records of a pcapng file whose first four octets (the SHB type) were already read. */
export async function* readPcapng(r: ByteReader, first4: Buffer, note: NoteSink): AsyncGenerator<Packet> {
  let le = true
  let ifaces: Interface[] = []
  let pending: Buffer | null = first4
  let index = 0
  for (;;) {
    const typeBytes = pending ?? (await r.read(4))
    pending = null
    if (typeBytes === null) {
      if (r.truncated) note(`pcapng: ${r.truncated} trailing bytes ignored (truncated block)`)
      return
    }
    const lenBytes = await r.read(4)
    if (lenBytes === null) return truncatedAtEnd(note, r)
    let type = le ? typeBytes.readUInt32LE(0) : typeBytes.readUInt32BE(0)
    if (typeBytes.readUInt32BE(0) === PCAPNG_SHB) {
      type = PCAPNG_SHB
      const bom = await r.read(4)
      if (bom === null) return truncatedAtEnd(note, r)
      if (bom.readUInt32LE(0) === BOM) le = true
      else if (bom.readUInt32BE(0) === BOM) le = false
      else throw new CaptureError(`pcapng: bad byte-order magic ${bom.toString('hex')} at byte ${r.position - 4}`)
      const total = le ? lenBytes.readUInt32LE(0) : lenBytes.readUInt32BE(0)
      if (total < 28 || total % 4 !== 0 || total > MAX_HEADER_BLOCK_BYTES) throw new CaptureError(`pcapng: bad section header length ${total}`)
      // §4.1: a new section starts a new interface numbering.
      ifaces = []
      if (!(await r.skip(total - 12))) return truncatedAtEnd(note, r)
      continue
    }
    const total = le ? lenBytes.readUInt32LE(0) : lenBytes.readUInt32BE(0)
    // §3.1: "Block Total Length ... value MUST be a multiple of 4" and covers the 12 framing octets.
    if (total < 12 || total % 4 !== 0) throw new CaptureError(`pcapng: block type ${type} at byte ${r.position - 8} has bad length ${total}`)
    const bodyLen = total - 12
    if (type !== IDB && type !== EPB && type !== SPB && type !== OPB) {
      if (!(await r.skip(bodyLen + 4))) return truncatedAtEnd(note, r)
      continue
    }
    if (bodyLen > (type === IDB ? MAX_HEADER_BLOCK_BYTES : MAX_RECORD_BYTES + 4096)) {
      throw new CaptureError(`pcapng: block type ${type} at byte ${r.position - 8} is implausibly long (${total})`)
    }
    const body = await r.read(bodyLen + 4)
    if (body === null) return truncatedAtEnd(note, r)
    const u16 = le ? (o: number) => body.readUInt16LE(o) : (o: number) => body.readUInt16BE(o)
    const u32 = le ? (o: number) => body.readUInt32LE(o) : (o: number) => body.readUInt32BE(o)
    if (u32(bodyLen) !== total) throw new CaptureError(`pcapng: block type ${type}: trailing length ${u32(bodyLen)} != ${total}`)

    if (type === IDB) {
      if (bodyLen < 8) throw new CaptureError('pcapng: Interface Description Block too short')
      ifaces.push(parseIdb(body, bodyLen, le, u16, u32))
      continue
    }
    let ifId: number
    let tsHi = 0
    let tsLo = 0
    let capLen: number
    let origLen: number
    let dataOff: number
    if (type === SPB) {
      // §4.4: "the Simple Packet Block does not contain the Interface ID field ... it MUST be assumed
      // that all the Simple Packet Blocks have been captured on the interface previously specified
      // in the first Interface Description Block"; it has no timestamp either.
      if (bodyLen < 4) throw new CaptureError('pcapng: Simple Packet Block too short')
      ifId = 0
      origLen = u32(0)
      const snap = ifaces[0]?.snapLen ?? 0
      capLen = Math.min(origLen, bodyLen - 4, snap === 0 ? Infinity : snap)
      dataOff = 4
    } else {
      if (bodyLen < 20) throw new CaptureError(`pcapng: packet block type ${type} too short`)
      // OPB (§ Appendix A): Interface ID is 16 bits followed by a 16-bit drops count.
      ifId = type === OPB ? u16(0) : u32(0)
      tsHi = u32(4)
      tsLo = u32(8)
      capLen = u32(12)
      origLen = u32(16)
      dataOff = 20
      if (capLen > bodyLen - 20) throw new CaptureError(`pcapng: packet block captured length ${capLen} exceeds block`)
    }
    const iface = ifaces[ifId]
    if (iface === undefined) {
      note(`pcapng: packet on undeclared interface ${ifId}; skipped`)
      continue
    }
    index++
    yield {
      ts: timestamp(tsHi, tsLo, iface),
      linkType: iface.linkType,
      data: body.subarray(dataOff, dataOff + capLen),
      origLen,
      index,
      interfaceId: ifId,
    }
  }
}

function parseIdb(body: Buffer, bodyLen: number, le: boolean, u16: (o: number) => number, u32: (o: number) => number): Interface {
  const iface: Interface = { linkType: u16(0), snapLen: u32(4), unitsPerSec: 1_000_000n, offsetSec: 0 }
  // §3.5 options: code (16), length (16), value padded to 32 bits; opt_endofopt (0) ends the list.
  let o = 8
  while (o + 4 <= bodyLen) {
    const code = u16(o)
    const len = u16(o + 2)
    const v = o + 4
    if (code === 0 || v + len > bodyLen) break
    if (code === OPT_IF_TSRESOL && len >= 1) {
      // §4.2: "If the Most Significant Bit is equal to zero, the remaining bits indicates the resolution
      // of the timestamp as a negative power of 10 ... If the Most Significant Bit is equal to one,
      // the remaining bits indicates the resolution as negative power of 2".
      const b = body[v]!
      const exp = BigInt(b & 0x7f)
      iface.unitsPerSec = b & 0x80 ? 1n << exp : 10n ** exp
    } else if (code === OPT_IF_TSOFFSET && len >= 8) {
      iface.offsetSec = Number(le ? body.readBigInt64LE(v) : body.readBigInt64BE(v))
    }
    o = v + ((len + 3) & ~3)
  }
  return iface
}

function timestamp(hi: number, lo: number, iface: Interface): number {
  const t = (BigInt(hi) << 32n) | BigInt(lo)
  const sec = t / iface.unitsPerSec
  const frac = t % iface.unitsPerSec
  return Number(sec) + Number(frac) / Number(iface.unitsPerSec) + iface.offsetSec
}

function truncatedAtEnd(note: NoteSink, r: ByteReader): void {
  note(`pcapng: file ends inside a block (${r.truncated} octets of it present); ignored`)
}

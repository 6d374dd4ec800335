/**
 * Classic libpcap file format (draft-ietf-opsawg-pcap §4, §5; pcap-savefile(5)).
 *
 *  File header (24 octets)                       Packet record header (16 octets)
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +---------------------------------------------------------------+
 *  |                          Magic Number                         |   |  Timestamp (Seconds)          |
 *  +-------------------------------+-------------------------------+   |  Timestamp (Micro/Nanosecs)   |
 *  |          Major Version        |         Minor Version         |   |  Captured Packet Length       |
 *  +-------------------------------+-------------------------------+   |  Original Packet Length       |
 *  |                           Reserved1                           |   +-------------------------------+
 *  |                           Reserved2                           |   |  Packet Data (Captured Length,|
 *  |                            SnapLen                            |   |  no padding)                  |
 *  | FCS |f|0 0 0 0 0 0 0 0 0 0 0 0|         LinkType              |
 *  +---------------------------------------------------------------+
 *
 * §4: "0xA1B2C3D4 ... the time stamps in the Packet Records are in seconds and microseconds;
 *  0xA1B23C4D ... in seconds and nanoseconds." The magic is written in the writer's byte order,
 *  so reading it swapped tells us every other field is swapped too.
 */
import { ByteReader, CaptureError } from './file-source.js'
import type { Packet } from './packet.js'

export const PCAP_MAGIC_US = 0xa1b2c3d4
export const PCAP_MAGIC_NS = 0xa1b23c4d
/** Alexey Kuznetsov's patched libpcap (old Red Hat tcpdump): microseconds, 8 more octets per record header. */
export const PCAP_MAGIC_KUZNETSOV = 0xa1b2cd34
const MAGICS = [PCAP_MAGIC_US, PCAP_MAGIC_NS, PCAP_MAGIC_KUZNETSOV]
const FILE_HEADER_BYTES = 24
const RECORD_HEADER_BYTES = 16
/** Largest record we accept: libpcap's MAXIMUM_SNAPLEN is 262144; beyond that the file is corrupt. */
export const MAX_RECORD_BYTES = 262144 * 4

export function isPcapMagic(b: Buffer): boolean {
  return MAGICS.includes(b.readUInt32BE(0)) || MAGICS.includes(b.readUInt32LE(0))
}

/**
 * Records of a classic pcap file. `first4` are the already-read magic octets.
 * A record cut short at the end of the file is dropped with a note (tcpdump killed mid-write).
 */
export async function* readPcap(r: ByteReader, first4: Buffer, note: (msg: string) => void): AsyncGenerator<Packet> {
  const rest = await r.read(FILE_HEADER_BYTES - 4)
  if (rest === null) throw new CaptureError('pcap file header truncated')
  const hdr = Buffer.concat([first4, rest])
  const le = MAGICS.includes(hdr.readUInt32LE(0))
  const u32 = le ? (o: number, b: Buffer) => b.readUInt32LE(o) : (o: number, b: Buffer) => b.readUInt32BE(o)
  const magic = u32(0, hdr)
  const fracPerSec = magic === PCAP_MAGIC_NS ? 1e9 : 1e6
  // Kuznetsov records add ifindex (4), protocol (2), pkt_type (1) and padding (1) after the standard fields.
  const recordHeaderBytes = magic === PCAP_MAGIC_KUZNETSOV ? RECORD_HEADER_BYTES + 8 : RECORD_HEADER_BYTES
  // §4: "LinkType and additional information (32 bits): ... The LinkType ... is the lower 16 bits"
  // (the upper bits carry the FCS length, which the IP total length makes irrelevant to us).
  const linkType = u32(20, hdr) & 0xffff
  const major = le ? hdr.readUInt16LE(4) : hdr.readUInt16BE(4)
  if (major !== 2) note(`pcap major version ${major} (expected 2); reading anyway`)

  let index = 0
  for (;;) {
    const rh = await r.read(recordHeaderBytes)
    if (rh === null) {
      if (r.truncated) note(`pcap: ${r.truncated} trailing bytes after record ${index} ignored (truncated record header)`)
      return
    }
    const sec = u32(0, rh)
    const frac = u32(4, rh)
    const capLen = u32(8, rh)
    const origLen = u32(12, rh)
    if (capLen > MAX_RECORD_BYTES) {
      throw new CaptureError(`pcap record ${index + 1} at byte ${r.position - recordHeaderBytes}: captured length ${capLen} is implausible (corrupt file)`)
    }
    const data = await r.read(capLen)
    if (data === null) {
      note(`pcap: record ${index + 1} truncated (${r.truncated} of ${capLen} octets); ignored`)
      return
    }
    index++
    yield { ts: sec + frac / fracPerSec, linkType, data, origLen, index }
  }
}

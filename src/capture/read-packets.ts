/**
 * readPackets(path): the frames of a pcap or pcapng file (optionally gzip-compressed), streamed.
 * The format is chosen by the first four octets, never by the file name (the Wireshark wiki's
 * `MP-BGP` sample has no extension at all).
 */
import { ByteReader, CaptureError, openCaptureStream } from './file-source.js'
import type { NoteSink, Packet } from './packet.js'
import { isPcapMagic, readPcap } from './pcap.js'
import { PCAPNG_SHB, readPcapng } from './pcapng.js'

export type { Packet, NoteSink } from './packet.js'
export { CaptureError } from './file-source.js'

export interface ReadPacketsOptions {
  /** Notes about skipped/truncated input (default: dropped). */
  note?: NoteSink
}

/**
 * Open `path` and yield its frames. Throws CaptureError before the first frame when the file cannot
 * be opened or is not a capture; breaking out of the loop closes the file.
 */
export async function* readPackets(path: string, opts: ReadPacketsOptions = {}): AsyncGenerator<Packet> {
  const note = opts.note ?? (() => {})
  const r = new ByteReader(await openCaptureStream(path))
  try {
    yield* readPacketsFrom(r, note, path)
    if (r.endNote !== null) note(r.endNote)
  } finally {
    await r.close()
  }
}

/** Same as readPackets over any byte source (tests feed Buffers). */
export async function* readPacketsFrom(r: ByteReader, note: NoteSink, name = 'input'): AsyncGenerator<Packet> {
  const first4 = await r.read(4)
  if (first4 === null) throw new CaptureError(`${name}: empty or too short to be a capture file`)
  if (first4.readUInt32BE(0) === PCAPNG_SHB) yield* readPcapng(r, first4, note)
  else if (isPcapMagic(first4)) yield* readPcap(r, first4, note)
  else throw new CaptureError(`${name}: not a pcap or pcapng file (starts with ${first4.toString('hex')})`)
}

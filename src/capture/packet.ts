/**
 * One captured frame as the file formats hand it over, before any protocol decoding.
 * Link-type numbers are the tcpdump.org LINKTYPE_ registry (draft-ietf-opsawg-pcaplinktype).
 */
export interface Packet {
  /** Capture time, seconds since the epoch (fractional). */
  ts: number
  /** LINKTYPE_* of the interface the frame was captured on. */
  linkType: number
  /** The captured octets (possibly shorter than origLen when a snaplen cut it). */
  data: Buffer
  /** Length of the frame on the wire. */
  origLen: number
  /** 1-based record number in the file (the frame number Wireshark shows). */
  index: number
  /** pcapng Interface ID; 0 for classic pcap. */
  interfaceId?: number
}

/** Receives human-readable notes about things skipped or repaired; never fatal. */
export type NoteSink = (msg: string) => void

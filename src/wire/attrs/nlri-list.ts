/**
 * NLRI lists of the modeled families (IPv4/IPv6 unicast and multicast) inside MP_REACH_NLRI /
 * MP_UNREACH_NLRI (RFC 4760 §5) and the classic UPDATE fields (RFC 4271 §4.3), with the RFC 7911 §3
 * Path Identifier decided by the WireContext, not by the list: with ADD-PATH a list without
 * pathIds is sent with Path Identifier 0, without ADD-PATH its pathIds are not sent.
 */
import type { NlriList } from '../prefix.js'
import { decodeV4Nlri, decodeV6Nlri, encodeV4Nlri, encodeV6Nlri, v4NlriLength, v6NlriLength } from '../prefix.js'

/** Families whose NLRI tsbgp models as NlriList; everything else is RawNlri. */
export function isModeledFamily(afi: number, safi: number): boolean {
  return (afi === 1 || afi === 2) && (safi === 1 || safi === 2)
}

export function decodeNlriList(afi: 1 | 2, buf: Buffer, off: number, end: number, addPath: boolean): NlriList {
  if (afi === 1) {
    const l: NlriList = { afi: 1, keys: [], pathIds: addPath ? [] : null }
    decodeV4Nlri(buf, off, end, l.keys, l.pathIds)
    return l
  }
  const l: NlriList = { afi: 2, keys: [], pathIds: addPath ? [] : null }
  decodeV6Nlri(buf, off, end, l.keys, l.pathIds)
  return l
}

export function nlriListLength(l: NlriList, addPath: boolean): number {
  return l.afi === 1 ? v4NlriLength(l.keys, addPath) : v6NlriLength(l.keys, addPath)
}

export function encodeNlriList(l: NlriList, addPath: boolean, buf: Buffer, off: number): number {
  if (!addPath || l.pathIds !== null) {
    const ids = addPath ? l.pathIds : null
    return l.afi === 1 ? encodeV4Nlri(l.keys, ids, buf, off) : encodeV6Nlri(l.keys, ids, buf, off)
  }
  // ADD-PATH negotiated but the list has no identifiers: send Path Identifier 0 for each prefix.
  for (let i = 0; i < l.keys.length; i++) {
    buf.fill(0, off, off + 4)
    off += 4
    off = l.afi === 1 ? encodeV4Nlri(l.keys, null, buf, off, i, i + 1) : encodeV6Nlri(l.keys, null, buf, off, i, i + 1)
  }
  return off
}

export function nlriCount(l: NlriList | { raw: Buffer }): number {
  return 'raw' in l ? l.raw.length : l.keys.length
}

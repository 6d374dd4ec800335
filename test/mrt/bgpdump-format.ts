/**
 * Test helper: typed MRT records -> `bgpdump -m` lines, to compare tsbgp's decoding with the
 * expected outputs shipped with bgpdump (RIPE-NCC/bgpdump test_expect/). Format:
 *   TYPE|time|A/W/B|peer_ip|peer_as|prefix|[path_id|]as_path|origin|next_hop|local_pref|med|communities|AG/NAG|aggregator|
 *   TYPE|time|W|peer_ip|peer_as|prefix[|path_id]
 *   TYPE|time|STATE|peer_ip|peer_as|old|new
 * bgpdump behaviours mirrored here: AS4_PATH merged into a 2-octet AS_PATH (RFC 6793 §4.2.3),
 * withdrawals before announcements, IPv4 NLRI before MP_REACH_NLRI, absent LOCAL_PREF/MED as 0.
 */
import type { DecodedPathAttributes } from '../../src/wire/attributes.js'
import { formatKey, type NlriList } from '../../src/wire/prefix.js'
import type { AsPathSegment, PathAttributes, RawNlri } from '../../src/wire/types.js'
import type { MrtRecord } from '../../src/mrt/reader.js'

function segmentText(s: AsPathSegment): string {
  switch (s.type) {
    case 1:
      return `{${s.asns.join(',')}}`
    case 3:
      return `(${s.asns.join(' ')})`
    case 4:
      return `[${s.asns.join(',')}]`
    default:
      return s.asns.join(' ')
  }
}

function pathLength(p: readonly AsPathSegment[]): number {
  let n = 0
  for (const s of p) n += s.type === 1 || s.type === 4 ? 1 : s.type === 3 ? 0 : s.asns.length
  return n
}

/** RFC 6793 §4.2.3: leading AS_PATH ASNs, then AS4_PATH, when AS4_PATH is not longer. */
function mergedPath(a: PathAttributes): AsPathSegment[] | undefined {
  if (a.asPath === undefined) return undefined
  if (a.as4Path === undefined) return a.asPath
  const n2 = pathLength(a.asPath)
  const n4 = pathLength(a.as4Path)
  if (n2 < n4) return a.asPath
  let keep = n2 - n4
  const out: AsPathSegment[] = []
  for (const s of a.asPath) {
    if (keep <= 0) break
    if (s.type === 2) {
      const take = s.asns.slice(0, keep)
      out.push({ type: 2, asns: take })
      keep -= take.length
    } else {
      out.push(s)
      keep -= s.type === 3 ? 0 : 1
    }
  }
  return [...out, ...a.as4Path]
}

function asPathText(a: PathAttributes): string {
  const p = mergedPath(a)
  return p === undefined ? '' : p.map(segmentText).join(' ')
}

const WELL_KNOWN: Record<number, string> = {
  0xffffff01: 'no-export',
  0xffffff02: 'no-advertise',
  0xffffff03: 'local-AS',
  0xffffff04: 'no-peer',
}

function communitiesText(a: PathAttributes): string {
  if (a.communities === undefined) return ''
  return a.communities.map((c) => WELL_KNOWN[c] ?? `${c >>> 16}:${c & 0xffff}`).join(' ')
}

function originText(o: number | undefined): string {
  return o === 0 ? 'IGP' : o === 1 ? 'EGP' : 'INCOMPLETE'
}

function aggregatorText(a: PathAttributes): string {
  const g = a.as4Aggregator !== undefined && a.aggregator !== undefined && a.aggregator.asn === 23456 ? a.as4Aggregator : a.aggregator
  return g === undefined ? '' : `${g.asn} ${g.address}`
}

/** as_path|origin|next_hop|local_pref|med|communities|AG|aggregator| */
function attrTail(a: PathAttributes, nextHop: string): string {
  return [
    asPathText(a),
    originText(a.origin),
    nextHop,
    a.localPref ?? 0,
    a.med ?? 0,
    communitiesText(a),
    a.atomicAggregate ? 'AG' : 'NAG',
    aggregatorText(a),
    '',
  ].join('|')
}

function prefixes(l: NlriList | RawNlri | undefined): Array<{ prefix: string; pathId?: number }> {
  if (l === undefined || 'raw' in l) return []
  return l.keys.map((k, i) => (l.pathIds === null ? { prefix: formatKey(l.afi, k) } : { prefix: formatKey(l.afi, k), pathId: l.pathIds[i]! }))
}

function tsText(ts: number, us: number | undefined): string {
  return us === undefined ? String(ts) : `${ts}.${String(us).padStart(6, '0')}`
}

export function bgpdumpLines(r: MrtRecord): string[] {
  switch (r.type) {
    case 'RIB': {
      if (r.mrtType === 'TABLE_DUMP') {
        const a = r.attributes.attributes
        const nh = a.mpReach !== undefined && a.mpReach.afi === 2 ? (a.mpReach.nextHop[0] ?? '') : (a.nextHop ?? '0.0.0.0')
        return [`TABLE_DUMP|${r.ts}|B|${r.peer.address}|${r.peer.asn}|${formatKey(r.afi, r.prefix)}|${attrTail(a, nh)}`]
      }
      if (r.mrtType !== 'TABLE_DUMP_V2') return [] // BGP4MP_ENTRY: not compared
      const addPath = r.subtype >= 8
      const out: string[] = []
      for (const e of r.entries) {
        const a = (e.attributes as DecodedPathAttributes).attributes
        // bgpdump takes the MP_REACH_NLRI next hop only for IPv6 unicast without ADD-PATH
        const nh =
          a.mpReach !== undefined && r.afi === 2 && r.safi === 1 && !addPath ? (a.mpReach.nextHop[0] ?? '') : (a.nextHop ?? (addPath ? '255.255.255.255' : '0.0.0.0'))
        const peer = e.peer === null ? `?${e.peerIndex}|0` : `${e.peer.address}|${e.peer.asn}`
        const id = addPath ? `${e.pathId}|` : ''
        out.push(`${addPath ? 'TABLE_DUMP2_AP' : 'TABLE_DUMP2'}|${r.ts}|B|${peer}|${formatKey(r.afi, r.prefix)}|${id}${attrTail(a, nh)}`)
      }
      return out
    }
    case 'STATE_CHANGE':
      return [`${r.mrtType}|${tsText(r.ts, r.microseconds)}|STATE|${r.peer.address}|${r.peer.asn}|${r.oldState}|${r.newState}`]
    case 'BGP4MP_MESSAGE': {
      const m = r.message
      if (!('message' in m) || m.message.type !== 'UPDATE') return []
      const u = m.message
      const a = u.attributes
      const kind = `${r.mrtType}${r.localSent ? '_LOCAL' : ''}${r.addPath ? '_AP' : ''}`
      const head = `${kind}|${tsText(r.ts, r.microseconds)}`
      const who = r.localSent ? r.local : r.peer
      const out: string[] = []
      for (const p of [...prefixes(u.withdrawn), ...prefixes(a.mpUnreach?.withdrawn)]) {
        out.push(`${head}|W|${who.address}|${who.asn}|${p.prefix}${p.pathId !== undefined ? `|${p.pathId}` : ''}`)
      }
      const v4 = prefixes(u.nlri)
      for (const p of v4) {
        out.push(`${head}|A|${who.address}|${who.asn}|${p.prefix}|${p.pathId !== undefined ? `${p.pathId}|` : ''}${attrTail(a, a.nextHop ?? '0.0.0.0')}`)
      }
      if (a.mpReach !== undefined) {
        const nh = a.mpReach.nextHop[0] ?? ''
        for (const p of prefixes(a.mpReach.nlri)) {
          out.push(`${head}|A|${who.address}|${who.asn}|${p.prefix}|${p.pathId !== undefined ? `${p.pathId}|` : ''}${attrTail(a, nh)}`)
        }
      }
      return out
    }
    default:
      return []
  }
}

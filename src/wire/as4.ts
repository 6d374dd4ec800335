/**
 * RFC 6793 §4.2.3: a NEW speaker receiving from an OLD speaker rebuilds the real AS path and
 * aggregator from AS_PATH/AGGREGATOR (2-octet, AS_TRANS placeholders) and AS4_PATH/AS4_AGGREGATOR.
 *
 * Rules (§4.2.3, the AGGREGATOR ones paraphrased):
 *  - AGGREGATOR present with an ASN other than AS_TRANS: AS4_AGGREGATOR and AS4_PATH are ignored.
 *  - AGGREGATOR with AS_TRANS and an AS4_AGGREGATOR: the AS4_AGGREGATOR is the aggregating node.
 *  - "If the number of AS numbers in the AS_PATH attribute is less than the number of AS numbers in
 *    the AS4_PATH attribute, then the AS4_PATH attribute SHALL be ignored, and the AS_PATH attribute
 *    SHALL be taken as the AS path information."
 *  - Otherwise "the AS path information SHALL be constructed by taking as many AS numbers and path
 *    segments as necessary from the leading part of the AS_PATH attribute, and then prepending them
 *    to the AS4_PATH attribute so that the AS path information has a number of AS numbers identical
 *    to that of the AS_PATH attribute. Note that a valid AS_CONFED_SEQUENCE or AS_CONFED_SET path
 *    segment SHALL be prepended if it is either the leading path segment or is adjacent to a path
 *    segment that is prepended."
 *
 * AS numbers are counted as for path length (RFC 4271 §9.1.2.2 (a)): an AS_SET counts 1, and
 * confederation segments count 0 (RFC 5065 §5.3). Confederation segments found in AS4_PATH are
 * dropped (RFC 6793 §6). Which sessions need this (only from an OLD speaker: RFC 6793 §4.1 has a NEW
 * speaker discard AS4_* attributes from a NEW one) is the caller's call; the codec keeps every
 * attribute for byte-exact round trips. Pure: the input is not changed.
 */
import { AS_TRANS, AsPathSegmentType } from './iana.js'
import type { Aggregator, AsPathSegment, PathAttributes } from './types.js'

function isConfed(type: number): boolean {
  return type === AsPathSegmentType.AS_CONFED_SEQUENCE || type === AsPathSegmentType.AS_CONFED_SET
}

/** Number of AS numbers as RFC 6793 §4.2.3 counts them. */
export function asPathCount(path: readonly AsPathSegment[]): number {
  let n = 0
  for (const s of path) {
    if (s.type === AsPathSegmentType.AS_SEQUENCE) n += s.asns.length
    else if (s.type === AsPathSegmentType.AS_SET) n += 1
  }
  return n
}

export function reconcileAs4(attrs: PathAttributes): { asPath: AsPathSegment[] | undefined; aggregator: Aggregator | undefined } {
  const { asPath, aggregator, as4Aggregator } = attrs
  if (aggregator !== undefined && aggregator.asn !== AS_TRANS) return { asPath, aggregator }
  const agg = aggregator !== undefined && as4Aggregator !== undefined ? as4Aggregator : aggregator
  if (asPath === undefined || attrs.as4Path === undefined) return { asPath, aggregator: agg }
  const as4Path = attrs.as4Path.filter((s) => !isConfed(s.type))
  let take = asPathCount(asPath) - asPathCount(as4Path)
  if (take < 0) return { asPath, aggregator: agg }

  const merged: AsPathSegment[] = []
  let prevTaken = false
  for (let i = 0; i < asPath.length; i++) {
    const s = asPath[i]!
    if (isConfed(s.type)) {
      if (i === 0 || take > 0 || prevTaken) {
        merged.push({ type: s.type, asns: [...s.asns] })
        prevTaken = true
        continue
      }
      break
    }
    if (take === 0) break
    if (s.type === AsPathSegmentType.AS_SET) {
      merged.push({ type: s.type, asns: [...s.asns] })
      take -= 1
    } else {
      const n = Math.min(take, s.asns.length)
      merged.push({ type: s.type, asns: s.asns.slice(0, n) })
      take -= n
    }
    prevTaken = true
  }
  for (let i = 0; i < as4Path.length; i++) {
    const s = as4Path[i]!
    const last = merged[merged.length - 1]
    // Joining the prepended AS_SEQUENCE with the AS4_PATH's leading AS_SEQUENCE gives back the one segment the NEW speakers sent.
    if (i === 0 && last !== undefined && last.type === AsPathSegmentType.AS_SEQUENCE && s.type === AsPathSegmentType.AS_SEQUENCE) {
      last.asns.push(...s.asns)
    } else merged.push({ type: s.type, asns: [...s.asns] })
  }
  return { asPath: merged, aggregator: agg }
}

/**
 * NDJSON forms of MRT records (the text edge of src/mrt; RFC 6396 names for types and subtypes).
 *
 *   PEER_INDEX_TABLE  { type, mrtType, ts, collectorId, viewName, peers: [{ address, asn, bgpId }] }
 *   TABLE_DUMP_V2 RIB one line per RIB entry:
 *                     { type:"RIB", mrtType:"TABLE_DUMP_V2", subtype, ts, seq, prefix, pathId?,
 *                       peer: { address, asn, bgpId } (or { index } when not in the table),
 *                       originatedTime, attributes, errors? }
 *   TABLE_DUMP        { type:"RIB", mrtType:"TABLE_DUMP", subtype, ts, view, seq, prefix, status,
 *                       peer: { address, asn }, originatedTime, attributes, errors? }
 *   BGP4MP MESSAGE    messageToJson(message) with ts, mrtType, subtype, peer, local after `type`
 *                     (and addPathInferred: true when path ids were found under a non-ADDPATH subtype);
 *                     an undecodable message: { type (message type or "BGP4MP_MESSAGE"), ..., error }
 *   STATE_CHANGE      { type:"STATE_CHANGE", ts, mrtType, subtype, peer, local, oldState, newState }
 *   BGP4MP_ENTRY      { type:"RIB", mrtType, subtype:"ENTRY", ts, view, status, prefix, peer, local,
 *                       originatedTime, nextHop, attributes, errors? }  (deprecated subtype 2)
 *   skipped           { type:"MRT", mrtType, subtype, ts, length, offset, skipped:true, reason }
 *   error             { type:"MRT", mrtType?, subtype?, error: { reason, offset } }
 *
 * `ts` of the _ET types carries the microseconds as a fraction (RFC 6396 §3).
 * `attributes` uses the field names of UPDATE attributes (src/wire/update-json.ts). In a RIB entry
 * MP_REACH_NLRI means only "the next hop" (§4.3.4), so its JSON keeps afi/safi (those of the RIB
 * record) and the next hop, and drops the NLRI that full-form writers repeat: every entry's
 * attributes JSON then depends only on the attributes, which lets the CLI cache it.
 */
import type { DecodedPathAttributes } from '../wire/attributes.js'
import type { AttrError } from '../wire/errors.js'
import { errorToJson, messageToJson } from '../wire/json.js'
import { emptyV4, formatKey } from '../wire/prefix.js'
import type { PathAttributes } from '../wire/types.js'
import { updateToJson } from '../wire/update-json.js'
import { Bgp4mpSubtypeName, stateName, type Bgp4mpEntry, type Bgp4mpMessage, type Bgp4mpStateChange } from './bgp4mp.js'
import type { DecodedBgpMessage } from './reader.js'
import type { MrtError, MrtSkipped } from './record.js'
import { TableDumpSubtypeName, type TableDumpRecord } from './table-dump.js'
import { TableDumpV2SubtypeName, type MrtPeer, type PeerIndexTable, type RibRecord } from './table-dump-v2.js'

/** `ts` as JSON number text: "1445565678.509481" for _ET records, "1445565678" otherwise. */
export function tsText(ts: number, microseconds: number | null | undefined): string {
  if (microseconds === null || microseconds === undefined) return String(ts)
  const us = String(microseconds)
  return `${ts}.${'000000'.slice(us.length)}${us}`
}

export function tsValue(ts: number, microseconds: number | null | undefined): number {
  return microseconds === null || microseconds === undefined ? ts : Number(tsText(ts, microseconds))
}

function errorsJson(errors: readonly AttrError[]): object[] {
  return errors.map((e) => ({ action: e.action, attrType: e.attrType, subcode: e.subcode, reason: e.reason, offset: e.offset }))
}

const NO_PREFIXES = emptyV4(false)

/** Attributes JSON (update-json field names) for a RIB entry of family afi/safi; see the header. */
export function ribAttributesJson(a: PathAttributes, afi: number, safi: number): Record<string, unknown> {
  const json = (updateToJson({ type: 'UPDATE', withdrawn: NO_PREFIXES, attributes: a, nlri: NO_PREFIXES }) as { attributes: Record<string, unknown> })
    .attributes
  const mp = json.mpReach as Record<string, unknown> | undefined
  if (mp !== undefined && a.mpReach !== undefined) {
    const o: Record<string, unknown> = { afi, safi }
    for (const k of Object.keys(mp)) if (k !== 'afi' && k !== 'safi' && k !== 'nlri') o[k] = mp[k]
    json.mpReach = o
  }
  return json
}

export function peerJson(p: MrtPeer): { address: string; asn: number; bgpId: string } {
  return { address: p.address, asn: p.asn, bgpId: p.bgpId }
}

export function peerIndexTableJson(t: PeerIndexTable): object {
  return {
    type: 'PEER_INDEX_TABLE',
    mrtType: 'TABLE_DUMP_V2',
    ts: t.ts,
    collectorId: t.collectorId,
    viewName: t.viewName,
    peers: t.peers.map(peerJson),
  }
}

/** One object per RIB entry of a TABLE_DUMP_V2 record (plus an error object when it was cut short). */
export function ribJson(r: RibRecord<DecodedPathAttributes>): object[] {
  const out: object[] = []
  const subtype = TableDumpV2SubtypeName[r.subtype] ?? String(r.subtype)
  const prefix = formatKey(r.afi, r.prefix)
  for (const e of r.entries) {
    const o: Record<string, unknown> = { type: 'RIB', mrtType: 'TABLE_DUMP_V2', subtype, ts: r.ts, seq: r.seq, prefix }
    if (e.pathId !== undefined) o.pathId = e.pathId
    o.peer = e.peer === null ? { index: e.peerIndex } : peerJson(e.peer)
    o.originatedTime = e.originatedTime
    o.attributes = ribAttributesJson(e.attributes.attributes, r.afi, r.safi)
    if (e.attributes.errors !== undefined) o.errors = errorsJson(e.attributes.errors)
    out.push(o)
  }
  if (r.error !== undefined) out.push({ type: 'MRT', mrtType: 13, subtype: r.subtype, error: r.error })
  return out
}

export function tableDumpJson(r: TableDumpRecord<DecodedPathAttributes>): object {
  const o: Record<string, unknown> = {
    type: 'RIB',
    mrtType: 'TABLE_DUMP',
    subtype: TableDumpSubtypeName[r.subtype] ?? String(r.subtype),
    ts: r.ts,
    view: r.view,
    seq: r.seq,
    prefix: formatKey(r.afi, r.prefix),
    status: r.status,
    peer: r.peer,
    originatedTime: r.originatedTime,
    attributes: ribAttributesJson(r.attributes.attributes, r.afi, 1),
  }
  if (r.attributes.errors !== undefined) o.errors = errorsJson(r.attributes.errors)
  return o
}

export function bgp4mpEntryJson(r: Bgp4mpEntry<DecodedPathAttributes>): object {
  const o: Record<string, unknown> = {
    type: 'RIB',
    mrtType: r.mrtType,
    subtype: 'ENTRY',
    ts: tsValue(r.ts, r.microseconds),
    view: r.view,
    status: r.status,
    prefix: formatKey(r.routeAfi, r.prefix),
    peer: r.peer,
    local: r.local,
    originatedTime: r.originatedTime,
    nextHop: r.nextHop,
    attributes: ribAttributesJson(r.attributes.attributes, r.routeAfi, r.safi),
  }
  if (r.attributes.errors !== undefined) o.errors = errorsJson(r.attributes.errors)
  return o
}

export function stateChangeJson(r: Bgp4mpStateChange): object {
  return {
    type: 'STATE_CHANGE',
    ts: tsValue(r.ts, r.microseconds),
    mrtType: r.mrtType,
    subtype: Bgp4mpSubtypeName[r.subtype] ?? String(r.subtype),
    peer: r.peer,
    local: r.local,
    oldState: stateName(r.oldState),
    newState: stateName(r.newState),
  }
}

export function bgp4mpMessageJson(r: Bgp4mpMessage<DecodedBgpMessage>): object {
  const head = {
    ts: tsValue(r.ts, r.microseconds),
    mrtType: r.mrtType,
    subtype: Bgp4mpSubtypeName[r.subtype] ?? String(r.subtype),
    peer: r.peer,
    local: r.local,
  }
  const m = r.message
  if ('message' in m) {
    const body = messageToJson(m.message) as Record<string, unknown>
    return m.addPathInferred ? { type: body.type, ...head, addPathInferred: true, ...body } : { type: body.type, ...head, ...body }
  }
  const err = errorToJson(m.messageType, m.error)
  return { type: m.messageType ?? 'BGP4MP_MESSAGE', ...head, error: err.error }
}

export function skippedJson(r: MrtSkipped): object {
  return r
}

export function errorJson(r: MrtError): object {
  return r
}

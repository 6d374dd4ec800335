/**
 * The JSON (NDJSON line) form of decoded messages: the edge where compact values become text.
 * Field names are fixed (the CLI, the pcap/MRT decoders and rfc-fixtures/ depend on them):
 *
 *   OPEN          { type, version, asn, myAs, holdTime, bgpId, capabilities: [{code, name, ...}],
 *                   params? (non-capability parameters only, {type, hex}), extendedParams? }
 *   UPDATE        updateToJson (update-json.ts)
 *   NOTIFICATION  { type, code, subcode, codeName, subcodeName, data (hex), message?, hardReset? }
 *   KEEPALIVE     { type }
 *   ROUTE-REFRESH { type, afi, safi, subtype, subtypeName, orf? (hex) }
 *
 * Capabilities: { code, name, ...decoded fields }, e.g. {code:1, name:"MULTIPROTOCOL", afi:1, safi:1};
 * kept raw: { code, name? (when IANA-named), hex, malformed? (a known code whose value did not parse) }.
 */
import { capabilityIsMalformed, capabilityName, isRawCapability } from './capabilities/index.js'
import type { BgpError } from './errors.js'
import { errorName, subcodeName } from './iana.js'
import { openAsn, openCapabilities } from './open.js'
import type { Capability, Message, Notification, Open, RouteRefresh } from './types.js'
import { updateToJson } from './update-json.js'

export function messageToJson(m: Message): object {
  switch (m.type) {
    case 'OPEN':
      return openToJson(m)
    case 'UPDATE':
      return { type: 'UPDATE', ...updateToJson(m) }
    case 'NOTIFICATION':
      return notificationToJson(m)
    case 'KEEPALIVE':
      return { type: 'KEEPALIVE' }
    case 'ROUTE-REFRESH':
      return routeRefreshToJson(m)
  }
}

export function openToJson(m: Open): object {
  const o: Record<string, unknown> = {
    type: 'OPEN',
    version: m.version,
    asn: openAsn(m),
    myAs: m.myAs,
    holdTime: m.holdTime,
    bgpId: m.bgpId,
    capabilities: openCapabilities(m).map(capabilityToJson),
  }
  const other = m.params.filter((p) => !('capabilities' in p))
  if (other.length !== 0) {
    o.params = other.map((p) => ({ type: p.type, hex: 'raw' in p ? p.raw.toString('hex') : '' }))
  }
  if (m.extendedParams) o.extendedParams = true
  return o
}

export function capabilityToJson(c: Capability): object {
  const name = capabilityName(c.code)
  if (isRawCapability(c)) {
    const o: Record<string, unknown> = { code: c.code }
    if (name !== undefined) o.name = name
    o.hex = c.raw.toString('hex')
    if (capabilityIsMalformed(c)) o.malformed = true
    return o
  }
  // Decoded capabilities are plain data (numbers, booleans, strings, arrays of those).
  const { code, ...fields } = c as { code: number } & Record<string, unknown>
  return { code, name, ...fields }
}

export function notificationToJson(m: Notification): object {
  const o: Record<string, unknown> = {
    type: 'NOTIFICATION',
    code: m.code,
    subcode: m.subcode,
    codeName: errorName(m.code),
    subcodeName: subcodeName(m.code, m.subcode),
    data: m.data.toString('hex'),
  }
  if (m.message !== undefined) o.message = m.message
  if (m.hardReset !== undefined) {
    const h = m.hardReset
    o.hardReset = {
      code: h.code,
      subcode: h.subcode,
      codeName: errorName(h.code),
      subcodeName: subcodeName(h.code, h.subcode),
      data: h.data.toString('hex'),
    }
  }
  return o
}

const SUBTYPE_NAME: Record<number, string> = { 0: 'normal', 1: 'BoRR', 2: 'EoRR' }

export function routeRefreshToJson(m: RouteRefresh): object {
  const o: Record<string, unknown> = {
    type: 'ROUTE-REFRESH',
    afi: m.afi,
    safi: m.safi,
    subtype: m.subtype,
    subtypeName: SUBTYPE_NAME[m.subtype] ?? 'unknown',
  }
  if (m.orf !== undefined) o.orf = m.orf.toString('hex')
  return o
}

/** JSON for a message that failed to decode; `type` is the message type name when known. */
export function errorToJson(
  type: string | undefined,
  err: BgpError,
): { type: string | undefined; error: { code: number; subcode: number; name: string; reason: string; offset: number | null } } {
  return {
    type,
    error: { code: err.code, subcode: err.subcode, name: err.notificationName, reason: err.message, offset: err.offset ?? null },
  }
}

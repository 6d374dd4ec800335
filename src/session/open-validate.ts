/**
 * OPEN message checks the decoder leaves to the session (RFC 4271 §6.2, RFC 5492 §3, RFC 6286
 * §2.2, RFC 9234 §4.2). Returns the BgpError whose NOTIFICATION the FSM sends (BGPOpenMsgErr,
 * Event 22), or null for a valid OPEN (BGPOpen, Event 19). Checks run in §6.2 order; the first
 * fault wins.
 */
import { capabilitiesLength, capabilityIsMalformed, encodeCapabilities, isRawCapability } from '../wire/capabilities/index.js'
import { ipv4ToNumber } from '../wire/address.js'
import { BgpError } from '../wire/errors.js'
import { BGP_VERSION, ErrorCode, familyKey, OpenSubcode, OptParamType } from '../wire/iana.js'
import { openAsn, openCapabilities } from '../wire/open.js'
import type { Capability, Open } from '../wire/types.js'
import { remoteAsMatches, type SessionConfig } from './config.js'
import { localCapabilities } from './local-open.js'
import { advertisedFamilies, rolesMatch } from './negotiate.js'

const openError = (subcode: number, reason: string, data?: Uint8Array): BgpError =>
  new BgpError(ErrorCode.OPEN_MESSAGE, subcode, reason, data)

/** Capabilities whose value changes how we read the peer's messages: a malformed one is fatal. */
const WIRE_AFFECTING = new Set([1, 5, 6, 9, 65, 69])

function capabilitiesData(caps: readonly Capability[]): Buffer {
  const buf = Buffer.alloc(capabilitiesLength(caps))
  encodeCapabilities(caps, buf, 0)
  return buf
}

export function validateOpen(open: Open, cfg: SessionConfig): BgpError | null {
  // RFC 4271 §6.2: "If the version number in the Version field of the received OPEN message is
  // not supported, then the Error Subcode MUST be set to Unsupported Version Number. The Data
  // field is a 2-octet unsigned integer, which indicates the largest, locally-supported version
  // number less than the version the remote BGP peer bid".
  if (open.version !== BGP_VERSION) {
    const data = Buffer.alloc(2)
    data.writeUInt16BE(BGP_VERSION)
    return openError(OpenSubcode.UNSUPPORTED_VERSION_NUMBER, `BGP version ${open.version} not supported`, data)
  }

  const caps = openCapabilities(open)
  for (const c of caps) {
    // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is recognized, but is
    // malformed, then the Error Subcode MUST be set to 0 (Unspecific)."
    if (capabilityIsMalformed(c) && WIRE_AFFECTING.has(c.code)) {
      return openError(0, `malformed capability ${c.code}`)
    }
  }

  // RFC 4271 §6.2: "If the Autonomous System field of the OPEN message is unacceptable, then the
  // Error Subcode MUST be set to Bad Peer AS." RFC 6793 §4.1: a 4-octet AS is in the capability.
  const peerAs = openAsn(open)
  if (!remoteAsMatches(cfg.remoteAs, peerAs)) return openError(OpenSubcode.BAD_PEER_AS, `unexpected peer AS ${peerAs}`)

  // RFC 4271 §6.2: "An implementation MUST reject Hold Time values of one or two seconds."
  if (open.holdTime === 1 || open.holdTime === 2) {
    return openError(OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${open.holdTime} s`)
  }

  // RFC 6286 §2.2: "If the BGP Identifier field of the OPEN message is zero, or if it is the same
  // as the BGP Identifier of the local BGP speaker and the message is from an internal peer, then
  // the Error Subcode is set to 'Bad BGP Identifier'." (An external peer may share ours.)
  const id = ipv4ToNumber(open.bgpId)
  const internal = cfg.internal ?? peerAs === cfg.localAs
  if (Number.isNaN(id) || id === 0) return openError(OpenSubcode.BAD_BGP_IDENTIFIER, `BGP Identifier ${open.bgpId}`)
  if (internal && id === ipv4ToNumber(cfg.bgpId)) {
    return openError(OpenSubcode.BAD_BGP_IDENTIFIER, `iBGP peer uses our BGP Identifier ${open.bgpId}`)
  }

  // RFC 4271 §6.2: "If one of the Optional Parameters in the OPEN message is not recognized, then
  // the Error Subcode MUST be set to Unsupported Optional Parameters." RFC 5492 deprecates type 1.
  for (const p of open.params) {
    if (p.type !== OptParamType.CAPABILITIES) {
      return openError(OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${p.type}`)
    }
  }

  // RFC 5492 §3: "If a BGP speaker that supports a certain capability determines that its peer
  // doesn't support this capability, the speaker MAY send a NOTIFICATION message to the peer and
  // terminate peering ... The Error Subcode ... is set to Unsupported Capability. The message
  // MUST contain the capability or capabilities that cause the speaker to send the message."
  const missing = missingCapabilities(caps, cfg)
  if (missing.length) {
    return openError(
      OpenSubcode.UNSUPPORTED_CAPABILITY,
      `peer lacks required capabilities ${missing.map((c) => c.code).join(',')}`,
      capabilitiesData(missing),
    )
  }

  return checkRole(caps, cfg)
}

function missingCapabilities(caps: readonly Capability[], cfg: SessionConfig): Capability[] {
  const required = cfg.capabilities.required
  if (!required.length) return []
  const mine = localCapabilities(cfg)
  const modeled = caps.filter((c) => !isRawCapability(c))
  const missing: Capability[] = []
  for (const code of required) {
    if (code === 1) {
      // Per family: each of ours must be among the peer's (no MP capability = IPv4 unicast).
      const theirs = new Set(advertisedFamilies(modeled).map(([a, s]) => familyKey(a, s)))
      for (const c of mine) {
        if (c.code === 1 && !isRawCapability(c) && !theirs.has(familyKey(c.afi, c.safi))) missing.push(c)
      }
      continue
    }
    if (caps.some((c) => c.code === code)) continue
    const own = mine.filter((c) => c.code === code)
    missing.push(...(own.length ? own : [{ code, raw: Buffer.alloc(0) }]))
  }
  return missing
}

/** RFC 9234 §4.2. */
function checkRole(caps: readonly Capability[], cfg: SessionConfig): BgpError | null {
  const local = cfg.capabilities.role
  if (!local) return null
  const roles = caps.filter((c): c is Extract<Capability, { code: 9 }> => c.code === 9 && !isRawCapability(c))
  if (roles.length === 0) {
    // Strict mode: a peer that sends no BGP Role capability is refused with Role Mismatch
    // (code 2, subcode 11) (paraphrase).
    return local.strict ? openError(OpenSubcode.ROLE_MISMATCH, 'peer sent no BGP Role (strict mode)') : null
  }
  // Several BGP Role capabilities with different values: Role Mismatch; equal values count as
  // one (paraphrase).
  const remote = roles[0]!.role
  if (roles.some((r) => r.role !== remote)) return openError(OpenSubcode.ROLE_MISMATCH, 'conflicting BGP Roles')
  // Both sides sent a role: the pair must be one of Table 2, else Role Mismatch (paraphrase).
  if (!rolesMatch(local.role, remote)) {
    return openError(OpenSubcode.ROLE_MISMATCH, `role ${remote} does not match our role ${local.role}`)
  }
  return null
}

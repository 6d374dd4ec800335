/**
 * Route Refresh capabilities: code 2 (RFC 2918 §2) and the pre-standard Cisco code 128,
 * both with an empty value.
 */
import type { Capability } from '../types.js'
import type { CapabilityCodec } from './index.js'

export type RouteRefreshCapability = Extract<Capability, { code: 2 }>
export type CiscoRouteRefreshCapability = Extract<Capability, { code: 128 }>

// RFC 2918 §2: "This capability is advertised using the Capability code 2 and Capability length 0."
export const routeRefresh: CapabilityCodec<RouteRefreshCapability> = emptyCapability(2)
/** Code 128: what routers sent before RFC 2918 got code 2; same (empty) value. */
export const ciscoRouteRefresh: CapabilityCodec<CiscoRouteRefreshCapability> = emptyCapability(128)

/** Codec for a capability whose value is empty: any value octet makes it malformed. */
export function emptyCapability<C extends { code: number }>(code: C['code']): CapabilityCodec<C> {
  return {
    code,
    decode(_buf, off, end) {
      return end === off ? ({ code } as C) : null
    },
    length() {
      return 0
    },
    encode(_c, _buf, off) {
      return off
    },
  }
}

/**
 * Enhanced Route Refresh capability, code 70 (RFC 7313 §3.1): "a new BGP capability [RFC5492]
 * ... with Capability Code 70 and Capability Length 0."
 */
import type { Capability } from '../types.js'
import { emptyCapability } from './route-refresh.js'
import type { CapabilityCodec } from './index.js'

export type EnhancedRouteRefreshCapability = Extract<Capability, { code: 70 }>

export const enhancedRouteRefresh: CapabilityCodec<EnhancedRouteRefreshCapability> = emptyCapability(70)

/**
 * BGP Extended Message capability, code 6 (RFC 8654 §3): "The BGP Extended Message Capability
 * is a new BGP capability [RFC5492] defined with Capability Code 6 and Capability Length 0."
 */
import type { Capability } from '../types.js'
import { emptyCapability } from './route-refresh.js'
import type { CapabilityCodec } from './index.js'

export type ExtendedMessageCapability = Extract<Capability, { code: 6 }>

export const extendedMessage: CapabilityCodec<ExtendedMessageCapability> = emptyCapability(6)

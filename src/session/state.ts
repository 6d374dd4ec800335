/**
 * Session state: the RFC 4271 §8 mandatory session attributes (§8.1.1: State, ConnectRetryCounter,
 * ConnectRetryTimer, HoldTimer, KeepaliveTimer) and the optional ones we support (DelayOpenTimer,
 * IdleHoldTimer, RFC 9687 SendHoldTimer). A timer is its deadline in ms (driver clock), null when
 * stopped: "sets the ConnectRetryTimer to zero" = deadline null.
 */
import type { Open } from '../wire/types.js'
import type { SessionConfig } from './config.js'
import type { NegotiatedSession } from './negotiate.js'

export type FsmStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'

/** How the session was started; an automatic restart repeats it. */
export interface StartMode {
  /** PassiveTcpEstablishment (events 4, 5, 7). */
  passive: boolean
  /** DampPeerOscillations (events 6, 7): back off exponentially on each flap. */
  damp: boolean
}

export interface SessionState {
  readonly state: FsmStateName
  readonly connectRetryCounter: number
  readonly connectRetryDeadline: number | null
  readonly holdDeadline: number | null
  readonly keepaliveDeadline: number | null
  readonly delayOpenDeadline: number | null
  readonly idleHoldDeadline: number | null
  readonly sendHoldDeadline: number | null
  /** A TCP connection is up on this FSM (Connect/Active with DelayOpen, and OpenSent onwards). */
  readonly tcpUp: boolean
  /** Set by a start event, cleared by a stop; null: stay in Idle. */
  readonly start: StartMode | null
  /** Current IdleHoldTime (s); doubles per consecutive flap when damping, up to maxIdleHoldSec. */
  readonly idleHoldSec: number
  /** Consecutive involuntary returns to Idle since the last stable Established period. */
  readonly flapCount: number
  readonly establishedAt: number | null
  /** The OPEN we sent, the peer's, and what they negotiate (from BGPOpen on). */
  readonly localOpen: Open | null
  readonly peerOpen: Open | null
  readonly negotiated: NegotiatedSession | null
  /** "internal" (iBGP) or "external" connection (§8.2.2), known from the peer's OPEN. */
  readonly internal: boolean | null
}

export function initialState(cfg: SessionConfig): SessionState {
  return {
    state: 'Idle',
    connectRetryCounter: 0,
    connectRetryDeadline: null,
    holdDeadline: null,
    keepaliveDeadline: null,
    delayOpenDeadline: null,
    idleHoldDeadline: null,
    sendHoldDeadline: null,
    tcpUp: false,
    start: null,
    idleHoldSec: cfg.idleHoldSec,
    flapCount: 0,
    establishedAt: null,
    localOpen: null,
    peerOpen: null,
    negotiated: null,
    internal: cfg.internal,
  }
}

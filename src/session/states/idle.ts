/**
 * Idle state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "Initially, the BGP peer FSM is in the Idle state. ... In this state, BGP FSM refuses all
 * incoming BGP connections for this peer. No resources are allocated to the peer."
 */
import type { SessionState } from '../state.js'
import { type Ctx, type Result, start, stay } from '../transitions.js'

export function idle(s: SessionState, c: Ctx): Result {
  const { ev, cfg } = c
  switch (ev.type) {
    // "In response to a ManualStart event (Event 1) or an AutomaticStart event (Event 3), the
    // local system: - initializes all BGP resources for the peer connection, - sets
    // ConnectRetryCounter to zero, - starts the ConnectRetryTimer with the initial value,
    // - initiates a TCP connection to the other BGP peer, - listens for a connection that may be
    // initiated by the remote BGP peer, and - changes its state to Connect."
    // "In response to a ManualStart_with_PassiveTcpEstablishment event (Event 4) or
    // AutomaticStart_with_PassiveTcpEstablishment event (Event 5), the local system: ... - listens
    // for a connection that may be initiated by the remote peer, and - changes its state to Active."
    // A peer configured passive never initiates, whichever start event it gets.
    case 'ManualStart':
    case 'ManualStart_with_PassiveTcpEstablishment': {
      // An operator's start overrides any backoff in progress.
      const passive = cfg.passive || ev.type === 'ManualStart_with_PassiveTcpEstablishment'
      const fresh = { ...s, start: { passive, damp: false }, idleHoldSec: cfg.idleHoldSec, flapCount: 0 }
      return start(fresh, c, passive, ev.type)
    }
    case 'AutomaticStart':
    case 'AutomaticStart_with_PassiveTcpEstablishment': {
      const passive = cfg.passive || ev.type === 'AutomaticStart_with_PassiveTcpEstablishment'
      return start({ ...s, start: { passive, damp: false } }, c, passive, ev.type)
    }

    // "If the DampPeerOscillations attribute is set to TRUE, the following three additional
    // events may occur within the Idle state: - AutomaticStart_with_DampPeerOscillations
    // (Event 6), - AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment (Event
    // 7), - IdleHoldTimer_Expires (Event 13). Upon receiving these 3 events, the local system will
    // use these events to prevent peer oscillations. The method of preventing persistent peer
    // oscillation is outside the scope of this document."
    // Ours: a damped start waits for a running IdleHoldTimer; its expiry starts the session.
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment': {
      const passive = cfg.passive || ev.type !== 'AutomaticStart_with_DampPeerOscillations'
      const next = { ...s, start: { passive, damp: true } }
      if (s.idleHoldDeadline !== null && s.idleHoldDeadline > c.now) return stay(next)
      return start(next, c, passive, ev.type)
    }
    case 'IdleHoldTimer_Expires':
      if (s.start === null) return stay({ ...s, idleHoldDeadline: null })
      return start(s, c, s.start.passive, 'IdleHoldTimer expired: automatic restart')

    // "The ManualStop event (Event 2) and AutomaticStop (Event 8) event are ignored in the Idle
    // state." They still cancel a pending automatic restart (no state change).
    case 'ManualStop':
    case 'AutomaticStop':
      return stay({ ...s, start: null, idleHoldDeadline: null })

    // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change in
    // the state of the local system."
    default:
      return stay(s)
  }
}

/**
 * Active state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "In this state, BGP FSM is trying to acquire a peer by listening for, and accepting, a TCP
 * connection." Connect and Active share the DelayOpen handling (connect-active.ts).
 */
import type { SessionState } from '../state.js'
import { type Ctx, type Result, connectRetryDeadline, goIdle, moveTo } from '../transitions.js'
import { connectOrActive } from './connect-active.js'

export function active(s: SessionState, c: Ctx): Result {
  const { ev } = c
  switch (ev.type) {
    // "In response to a ConnectRetryTimer_Expires event (Event 9), the local system: - restarts
    // the ConnectRetryTimer (with initial value), - initiates a TCP connection to the other BGP
    // peer, - continues to listen for a TCP connection that may be initiated by a remote BGP peer,
    // and - changes its state to Connect."
    // A passive peer never initiates: it stays in Active and keeps listening.
    case 'ConnectRetryTimer_Expires':
      if (s.start?.passive || c.cfg.passive) return { s: { ...s, connectRetryDeadline: connectRetryDeadline(c) }, actions: [] }
      return moveTo({ ...s, connectRetryDeadline: connectRetryDeadline(c) }, 'Connect', c, [{ type: 'connect' }], 'ConnectRetryTimer expired')

    // "If the local system receives a TcpConnectionFails event (Event 18), the local system:
    // - restarts the ConnectRetryTimer (with the initial value), - stops and clears the
    // DelayOpenTimer (sets the value to zero), - releases all BGP resource, - increments the
    // ConnectRetryCounter by 1, - optionally performs peer oscillation damping if the
    // DampPeerOscillations attribute is set to TRUE, and - changes its state to Idle."
    // (Idle stops every timer; the IdleHoldTimer restarts the session.)
    case 'TcpConnectionFails':
      return goIdle(s, c, { reason: ev.reason ?? 'TCP connection failed', counter: 'increment' })

    default:
      return connectOrActive(s, c)
  }
}

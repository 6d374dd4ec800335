/**
 * Established state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "In the Established state, the BGP FSM can exchange UPDATE, NOTIFICATION, and KEEPALIVE
 * messages with its peer."
 */
import { FsmSubcode } from '../../wire/iana.js'
import { KEEPALIVE } from '../../wire/keepalive.js'
import type { SessionState } from '../state.js'
import {
  collisionDump,
  type Ctx,
  fsmError,
  goIdle,
  holdDeadline,
  holdTimerExpired,
  keepaliveDeadline,
  messageError,
  notificationReceived,
  type Result,
  restartSendHold,
  sendHoldTimerExpired,
  stay,
  stopWithCease,
} from '../transitions.js'

export function established(s: SessionState, c: Ctx): Result {
  const { ev } = c
  switch (ev.type) {
    // "Any Start event (Events 1, 3-7) is ignored in the Established state."
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return stay(s)

    // "In response to a ManualStop event (initiated by an operator) (Event 2), the local system:
    // - sends the NOTIFICATION message with a Cease, - sets the ConnectRetryTimer to zero,
    // - deletes all routes associated with this connection, - releases BGP resources, - drops the
    // TCP connection, - sets the ConnectRetryCounter to zero, and - changes its state to Idle."
    // "In response to an AutomaticStop event (Event 8), the local system: - sends a NOTIFICATION
    // with a Cease, ... - increments the ConnectRetryCounter by 1, ..." "One reason for an
    // AutomaticStop event is: A BGP receives an UPDATE messages with a number of prefixes for a
    // given peer such that the total prefixes received exceeds the maximum number of prefixes
    // configured." (RFC 4486 subcode 1, carried in the event.)
    case 'ManualStop':
    case 'AutomaticStop':
      return stopWithCease(s, c, ev)

    // "If the HoldTimer_Expires event occurs (Event 10), the local system: - sends a NOTIFICATION
    // message with the Error Code Hold Timer Expired, ... - changes its state to Idle."
    case 'HoldTimer_Expires':
      return holdTimerExpired(s, c)

    // "If the KeepaliveTimer_Expires event occurs (Event 11), the local system: - sends a
    // KEEPALIVE message, and - restarts its KeepaliveTimer, unless the negotiated HoldTime value
    // is zero."
    case 'KeepaliveTimer_Expires':
      return stay({ ...s, keepaliveDeadline: keepaliveDeadline(s, c.now) }, [{ type: 'send', message: KEEPALIVE }])
    // "Each time the local system sends a KEEPALIVE or UPDATE message, it restarts its
    // KeepaliveTimer, unless the negotiated HoldTime value is zero."
    case 'UpdateSent':
      return stay({ ...s, keepaliveDeadline: keepaliveDeadline(s, c.now) })

    // "A TcpConnection_Valid (Event 14), received for a valid port, will cause the second
    // connection to be tracked. An invalid TCP connection (Tcp_CR_Invalid event (Event 15)) will
    // be ignored. In response to an indication that the TCP connection is successfully
    // established (Event 16 or Event 17), the second connection SHALL be tracked until it sends
    // an OPEN message." (The peer tracks it; collision.ts.)
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      return stay(s)

    // "If a valid OPEN message (BGPOpen (Event 19)) is received, and if the
    // CollisionDetectEstablishedState optional attribute is TRUE, the OPEN message will be checked
    // to see if it collides (Section 6.8) with any other connection. If the BGP implementation
    // determines that this connection needs to be terminated, it will process an
    // OpenCollisionDump event (Event 23). If this connection needs to be terminated, the local
    // system: - sends a NOTIFICATION with a Cease, ... - changes its state to Idle."
    // The colliding OPEN arrives on the other connection (the peer decides); an OPEN on this one
    // is unexpected: RFC 6608 §3 subcode 3 (default branch).
    case 'OpenCollisionDump':
      return collisionDump(s, c)

    // "If the local system receives a NOTIFICATION message (Event 24 or Event 25) or a
    // TcpConnectionFails (Event 18) from the underlying TCP, the local system: - sets the
    // ConnectRetryTimer to zero, - deletes all routes associated with this connection, - releases
    // all the BGP resources, - drops the TCP connection, - increments the ConnectRetryCounter by
    // 1, - changes its state to Idle."
    case 'NotifMsgVerErr':
    case 'NotifMsg':
      return notificationReceived(s, c, ev.notification, 'increment')
    case 'TcpConnectionFails':
      return goIdle(s, c, { reason: ev.reason ?? 'TCP connection failed', counter: 'increment' })

    // "If the local system receives a KEEPALIVE message (Event 26), the local system: - restarts
    // its HoldTimer, if the negotiated HoldTime value is non-zero, and - remains in the
    // Established state."
    case 'KeepAliveMsg':
      return stay({ ...s, holdDeadline: holdDeadline(s, c.now) })

    // "If the local system receives an UPDATE message (Event 27), the local system: - processes
    // the message, - restarts its HoldTimer, if the negotiated HoldTime value is non-zero, and
    // - remains in the Established state."
    case 'UpdateMsg':
      return stay({ ...s, holdDeadline: holdDeadline(s, c.now) }, [
        { type: 'emit', event: { type: 'updateReceived', update: ev.update } },
      ])

    // ROUTE-REFRESH (RFC 2918 §4) is valid only here; any message from the peer shows it is alive.
    case 'RouteRefreshMsg':
      return stay({ ...s, holdDeadline: holdDeadline(s, c.now) }, [
        { type: 'emit', event: { type: 'routeRefreshReceived', message: ev.message } },
      ])

    // "If the local system receives an UPDATE message, and the UPDATE message error handling
    // procedure (see Section 6.3) detects an error (Event 28), the local system: - sends a
    // NOTIFICATION message with an Update error, - sets the ConnectRetryTimer to zero, - deletes
    // all routes associated with this connection, - releases all BGP resources, - drops the TCP
    // connection, - increments the ConnectRetryCounter by 1, - (optionally) performs peer
    // oscillation damping ..., and - changes its state to Idle."
    case 'UpdateMsgErr':
      return messageError(s, c, ev.error, true)

    // Event 21 is in the RFC's catch-all (FSM Error), but §6.1 prescribes the NOTIFICATION for a
    // header error ("the Error Code Message Header Error"): we send the header error itself.
    case 'BGPHeaderErr':
      return messageError(s, c, ev.error, true)

    case 'SendHoldTimer_Expires':
      return sendHoldTimerExpired(s, c)
    case 'SendProgress':
      return restartSendHold(s, c)

    // "In response to any other event (Events 9, 12-13, 20-22), the local system: - sends a
    // NOTIFICATION message with the Error Code Finite State Machine Error, - deletes all routes
    // associated with this connection, ... - changes its state to Idle."
    // RFC 6608 §4: subcode 3 "Receive Unexpected Message in Established State".
    default:
      return fsmError(s, c, FsmSubcode.UNEXPECTED_MESSAGE_IN_ESTABLISHED)
  }
}

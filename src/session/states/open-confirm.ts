/**
 * OpenConfirm state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "In this state, BGP waits for a KEEPALIVE or NOTIFICATION message."
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
  moveTo,
  notificationReceived,
  type Result,
  restartSendHold,
  sendHoldTimerExpired,
  stay,
  stopWithCease,
} from '../transitions.js'

export function openConfirm(s: SessionState, c: Ctx): Result {
  const { ev } = c
  switch (ev.type) {
    // "Any start event (Events 1, 3-7) is ignored in the OpenConfirm state."
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return stay(s)

    // "In response to a ManualStop event (Event 2) initiated by the operator, the local system:
    // - sends the NOTIFICATION message with a Cease, - releases all BGP resources, - drops the TCP
    // connection, - sets the ConnectRetryCounter to zero, - sets the ConnectRetryTimer to zero,
    // and - changes its state to Idle."
    // "In response to the AutomaticStop event initiated by the system (Event 8), the local system:
    // - sends the NOTIFICATION message with a Cease, ... - increments the ConnectRetryCounter by
    // 1, - (optionally) performs peer oscillation damping ..., and - changes its state to Idle."
    case 'ManualStop':
    case 'AutomaticStop':
      return stopWithCease(s, c, ev)

    // "If the HoldTimer_Expires event (Event 10) occurs before a KEEPALIVE message is received,
    // the local system: - sends the NOTIFICATION message with the Error Code Hold Timer Expired,
    // ... - increments the ConnectRetryCounter by 1, ... - changes its state to Idle."
    case 'HoldTimer_Expires':
      return holdTimerExpired(s, c)

    // "If the local system receives a KeepaliveTimer_Expires event (Event 11), the local system:
    // - sends a KEEPALIVE message, - restarts the KeepaliveTimer, and - remains in the
    // OpenConfirmed state."
    case 'KeepaliveTimer_Expires':
      return stay({ ...s, keepaliveDeadline: keepaliveDeadline(s, c.now) }, [{ type: 'send', message: KEEPALIVE }])

    // "In the event of a TcpConnection_Valid event (Event 14), or the success of a TCP connection
    // (Event 16 or Event 17) while in OpenConfirm, the local system needs to track the second
    // connection." (The peer does; collision.ts.)
    // "If a TCP connection is attempted with an invalid port (Event 15), the local system will
    // ignore the second connection attempt."
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
    case 'Tcp_CR_Invalid':
      return stay(s)

    // "If the local system receives a TcpConnectionFails event (Event 18) from the underlying TCP
    // or a NOTIFICATION message (Event 25), the local system: - sets the ConnectRetryTimer to
    // zero, - releases all BGP resources, - drops the TCP connection, - increments the
    // ConnectRetryCounter by 1, - (optionally) performs peer oscillation damping ..., and
    // - changes its state to Idle."
    case 'TcpConnectionFails':
      return goIdle(s, c, { reason: ev.reason ?? 'TCP connection failed', counter: 'increment' })
    case 'NotifMsg':
      return notificationReceived(s, c, ev.notification, 'increment')

    // "If the local system receives a NOTIFICATION message with a version error (NotifMsgVerErr
    // (Event 24)), the local system: - sets the ConnectRetryTimer to zero, - releases all BGP
    // resources, - drops the TCP connection, and - changes its state to Idle."
    case 'NotifMsgVerErr':
      return notificationReceived(s, c, ev.notification, 'keep')

    // "If the local system receives a valid OPEN message (BGPOpen (Event 19)), the collision
    // detect function is processed per Section 6.8." That OPEN arrives on the other connection;
    // the peer runs collision.ts and sends this FSM OpenCollisionDump if it loses. A second OPEN
    // on this connection is unexpected: RFC 6608 subcode 2 (default branch).

    // "If the BGP message header checking (BGPHeaderErr (Event 21)) or OPEN message checking
    // detects an error (see Section 6.2) (BGPOpenMsgErr (Event 22)), the local system: - sends a
    // NOTIFICATION message with the appropriate error code, ... - changes its state to Idle."
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return messageError(s, c, ev.error, true)

    // "When the local system receives an OpenCollisionDump event (Event 23), the local system:
    // - sends a NOTIFICATION with a Cease, ... - changes its state to Idle."
    case 'OpenCollisionDump':
      return collisionDump(s, c)

    // "If the local system receives a KEEPALIVE message (KeepAliveMsg (Event 26)), the local
    // system: - restarts the HoldTimer and - changes its state to Established."
    case 'KeepAliveMsg': {
      const next = { ...s, holdDeadline: holdDeadline(s, c.now), establishedAt: c.now }
      const r = moveTo(next, 'Established', c, [], 'KEEPALIVE received')
      r.actions.push({ type: 'emit', event: { type: 'established', context: s.negotiated! } })
      return r
    }

    case 'SendHoldTimer_Expires':
      return sendHoldTimerExpired(s, c)
    case 'SendProgress':
      return restartSendHold(s, c)
    case 'UpdateSent':
      return stay(s)

    // "In response to any other event (Events 9, 12-13, 20, 27-28), the local system: - sends a
    // NOTIFICATION with a code of Finite State Machine Error, ... - changes its state to Idle."
    // RFC 6608 §4: subcode 2 "Receive Unexpected Message in OpenConfirm State".
    default:
      return fsmError(s, c, FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENCONFIRM)
  }
}

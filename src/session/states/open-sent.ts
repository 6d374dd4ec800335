/**
 * OpenSent state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "In this state, BGP FSM waits for an OPEN message from its peer."
 */
import { FsmSubcode } from '../../wire/iana.js'
import type { SessionState } from '../state.js'
import {
  acceptOpen,
  collisionDump,
  connectRetryDeadline,
  type Ctx,
  fsmError,
  holdTimerExpired,
  messageError,
  moveTo,
  notificationReceived,
  type Result,
  restartSendHold,
  sendHoldTimerExpired,
  stay,
  stopWithCease,
} from '../transitions.js'

export function openSent(s: SessionState, c: Ctx): Result {
  const { ev } = c
  switch (ev.type) {
    // "The start events (Events 1, 3-7) are ignored in the OpenSent state."
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return stay(s)

    // "If a ManualStop event (Event 2) is issued in the OpenSent state, the local system: - sends
    // the NOTIFICATION with a Cease, - sets the ConnectRetryTimer to zero, - releases all BGP
    // resources, - drops the TCP connection, - sets the ConnectRetryCounter to zero, and
    // - changes its state to Idle."
    // "If an AutomaticStop event (Event 8) is issued in the OpenSent state, the local system:
    // - sends the NOTIFICATION with a Cease, ... - increments the ConnectRetryCounter by 1,
    // - (optionally) performs peer oscillation damping ..., and - changes its state to Idle."
    case 'ManualStop':
    case 'AutomaticStop':
      return stopWithCease(s, c, ev)

    // "If the HoldTimer_Expires (Event 10), the local system: - sends a NOTIFICATION message with
    // the error code Hold Timer Expired, - sets the ConnectRetryTimer to zero, - releases all BGP
    // resources, - drops the TCP connection, - increments the ConnectRetryCounter, - (optionally)
    // performs peer oscillation damping ..., and - changes its state to Idle."
    case 'HoldTimer_Expires':
      return holdTimerExpired(s, c)

    // "If a TcpConnection_Valid (Event 14), Tcp_CR_Acked (Event 16), or a TcpConnectionConfirmed
    // event (Event 17) is received, a second TCP connection may be in progress. This second TCP
    // connection is tracked per Connection Collision processing (Section 6.8) until an OPEN
    // message is received." (The peer owns the second FSM; see collision.ts.)
    // "A TCP Connection Request for an Invalid port (Tcp_CR_Invalid (Event 15)) is ignored."
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
    case 'Tcp_CR_Invalid':
      return stay(s)

    // "If a TcpConnectionFails event (Event 18) is received, the local system: - closes the BGP
    // connection, - restarts the ConnectRetryTimer, - continues to listen for a connection that
    // may be initiated by the remote BGP peer, and - changes its state to Active."
    case 'TcpConnectionFails': {
      const next: SessionState = {
        ...s,
        tcpUp: false,
        localOpen: null,
        holdDeadline: null,
        sendHoldDeadline: null,
        delayOpenDeadline: null,
        connectRetryDeadline: connectRetryDeadline(c),
      }
      const reason = ev.reason ?? 'TCP connection failed'
      return moveTo(next, 'Active', c, [{ type: 'close', reason }], reason)
    }

    // "When an OPEN message is received, all fields are checked for correctness. If there are no
    // errors in the OPEN message (Event 19), the local system: - resets the DelayOpenTimer to
    // zero, - sets the BGP ConnectRetryTimer to zero, - sends a KEEPALIVE message, and - sets a
    // KeepaliveTimer (via the text below) - sets the HoldTimer according to the negotiated value
    // (see Section 4.2), - changes its state to OpenConfirm."
    // OPEN checking errors are Event 22: "- sends a NOTIFICATION message with the appropriate
    // error code, ... - increments the ConnectRetryCounter by 1, ... - changes its state to Idle."
    case 'BGPOpen':
      return acceptOpen(s, c, ev.open, true)

    // "If the BGP message header checking (Event 21) or OPEN message checking detects an error
    // (Event 22)(see Section 6.2), the local system: - sends a NOTIFICATION message with the
    // appropriate error code, - sets the ConnectRetryTimer to zero, - releases all BGP resources,
    // - drops the TCP connection, - increments the ConnectRetryCounter by 1, - (optionally)
    // performs peer oscillation damping ..., and - changes its state to Idle."
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return messageError(s, c, ev.error, true)

    // "If a connection in the OpenSent state is determined to be the connection that must be
    // closed, an OpenCollisionDump (Event 23) is signaled to the state machine. If such an event
    // is received in the OpenSent state, the local system: - sends a NOTIFICATION with a Cease,
    // ... - increments the ConnectRetryCounter by 1, ... - changes its state to Idle."
    case 'OpenCollisionDump':
      return collisionDump(s, c)

    // "If a NOTIFICATION message is received with a version error (Event 24), the local system:
    // - sets the ConnectRetryTimer to zero, - releases all BGP resources, - drops the TCP
    // connection, and - changes its state to Idle."
    case 'NotifMsgVerErr':
      return notificationReceived(s, c, ev.notification, 'keep')

    // Event 25 is in the RFC's catch-all below ("sends the NOTIFICATION with the Error Code Finite
    // State Machine Error"), but RFC 4271 §4.5 closes the connection right after a NOTIFICATION
    // and §6 never answers one with another: we go to Idle without sending.
    case 'NotifMsg':
      return notificationReceived(s, c, ev.notification, 'increment')

    case 'SendHoldTimer_Expires':
      return sendHoldTimerExpired(s, c)
    case 'SendProgress':
      return restartSendHold(s, c)
    case 'UpdateSent':
      return stay(s)

    // "In response to any other event (Events 9, 11-13, 20, 25-28), the local system: - sends the
    // NOTIFICATION with the Error Code Finite State Machine Error, - sets the ConnectRetryTimer to
    // zero, - releases all BGP resources, - drops the TCP connection, - increments the
    // ConnectRetryCounter by 1, - (optionally) performs peer oscillation damping ..., and
    // - changes its state to Idle."
    // RFC 6608 §4: subcode 1 "Receive Unexpected Message in OpenSent State".
    default:
      return fsmError(s, c, FsmSubcode.UNEXPECTED_MESSAGE_IN_OPENSENT)
  }
}

/**
 * The events Connect and Active handle alike, RFC 4271 §8.2.2 Connect State / Active State
 * (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2). Quotes are from Connect; Active's text
 * differs only in wording except where noted.
 */
import { ErrorCode, FsmSubcode } from '../../wire/iana.js'
import { makeNotification } from '../../wire/notification.js'
import type { SessionState } from '../state.js'
import {
  acceptOpen,
  type Ctx,
  goIdle,
  messageError,
  notificationReceived,
  openSent,
  type Result,
  stay,
  stopNotification,
  stopReason,
} from '../transitions.js'

export function connectOrActive(s: SessionState, c: Ctx): Result {
  const { ev, cfg } = c
  const delayOpenRunning = s.delayOpenDeadline !== null
  // SendNOTIFICATIONwithoutOPEN (§8.1.1): we may only speak on an open TCP connection.
  const mayNotify = cfg.sendNotificationWithoutOpen && s.tcpUp
  switch (ev.type) {
    // "The start events (Events 1, 3-7) are ignored in the Connect state."
    case 'ManualStart':
    case 'AutomaticStart':
    case 'ManualStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_PassiveTcpEstablishment':
    case 'AutomaticStart_with_DampPeerOscillations':
    case 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment':
      return stay(s)

    // "In response to a ManualStop event (Event 2), the local system: - drops the TCP connection,
    // - releases all BGP resources, - sets ConnectRetryCounter to zero, - stops the
    // ConnectRetryTimer and sets ConnectRetryTimer to zero, and - changes its state to Idle."
    // Active adds: "If the DelayOpenTimer is running and the SendNOTIFICATIONwithoutOPEN session
    // attribute is set, the local system sends a NOTIFICATION with a Cease" (we do so in Connect too).
    case 'ManualStop':
      return goIdle(s, c, {
        reason: stopReason(ev),
        notification: mayNotify && delayOpenRunning ? stopNotification(s, ev) : null,
        counter: 'reset',
        stop: 'manual',
      })

    // "If the DelayOpenTimer_Expires event (Event 12) occurs in the Connect state, the local
    // system: - sends an OPEN message to its peer, - sets the HoldTimer to a large value, and
    // - changes its state to OpenSent."
    case 'DelayOpenTimer_Expires':
      return openSent(s, c, 'DelayOpenTimer expired')

    // "If the BGP FSM receives a TcpConnection_Valid event (Event 14), the TCP connection is
    // processed, and the connection remains in the Connect state."
    // "If the BGP FSM receives a Tcp_CR_Invalid event (Event 15), the local system rejects the
    // TCP connection, and the connection remains in the Connect state." (The listener rejects it.)
    case 'TcpConnection_Valid':
    case 'Tcp_CR_Invalid':
      return stay(s)

    // "If the TCP connection succeeds (Event 16 or Event 17), the local system checks the
    // DelayOpen attribute prior to processing. If the DelayOpen attribute is set to TRUE, the
    // local system: - stops the ConnectRetryTimer (if running) and sets the ConnectRetryTimer to
    // zero, - sets the DelayOpenTimer to the initial value, and - stays in the Connect state.
    // If the DelayOpen attribute is set to FALSE, the local system: - stops the ConnectRetryTimer
    // (if running) and sets the ConnectRetryTimer to zero, - completes BGP initialization
    // - sends an OPEN message to its peer, - sets the HoldTimer to a large value, and - changes
    // its state to OpenSent."
    case 'Tcp_CR_Acked':
    case 'TcpConnectionConfirmed':
      if (cfg.delayOpenSec !== null) {
        return stay({
          ...s,
          tcpUp: true,
          connectRetryDeadline: null,
          delayOpenDeadline: c.now + cfg.delayOpenSec * 1000,
        })
      }
      return openSent(s, c, `TCP connection ${ev.type === 'Tcp_CR_Acked' ? 'established' : 'accepted'}`)

    // "If an OPEN message is received while the DelayOpenTimer is running (Event 20), the local
    // system: - stops the ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero,
    // - completes the BGP initialization, - stops and clears the DelayOpenTimer (sets the value
    // to zero), - sends an OPEN message, - sends a KEEPALIVE message, - if the HoldTimer initial
    // value is non-zero, - starts the KeepaliveTimer with the initial value and - resets the
    // HoldTimer to the negotiated value, else, if the HoldTimer initial value is zero, - resets
    // the KeepaliveTimer and - resets the HoldTimer value to zero, - and changes its state to
    // OpenConfirm."
    // A BGPOpen (19) while the DelayOpenTimer runs is the same event.
    case 'BGPOpen_with_DelayOpenTimer_running':
      if (!delayOpenRunning) return other(s, c, mayNotify)
      return acceptOpen(s, c, ev.open, mayNotify)
    case 'BGPOpen':
      if (delayOpenRunning) return acceptOpen(s, c, ev.open, mayNotify)
      return other(s, c, mayNotify)

    // "If BGP message header checking (Event 21) or OPEN message checking detects an error
    // (Event 22) (see Section 6.2), the local system: - (optionally) If the
    // SendNOTIFICATIONwithoutOPEN attribute is set to TRUE, then the local system first sends a
    // NOTIFICATION message with the appropriate error code, and then - stops the
    // ConnectRetryTimer (if running) and sets the ConnectRetryTimer to zero, - releases all BGP
    // resources, - drops the TCP connection, - increments the ConnectRetryCounter by 1,
    // - (optionally) performs peer oscillation damping if the DampPeerOscillations attribute is
    // set to TRUE, and - changes its state to Idle."
    case 'BGPHeaderErr':
    case 'BGPOpenMsgErr':
      return messageError(s, c, ev.error, mayNotify)

    // "If a NOTIFICATION message is received with a version error (Event 24), the local system
    // checks the DelayOpenTimer. If the DelayOpenTimer is running, the local system: ... - releases
    // all BGP resources, - drops the TCP connection, and - changes its state to Idle. If the
    // DelayOpenTimer is not running, the local system: ... - increments the ConnectRetryCounter
    // by 1, - performs peer oscillation damping if the DampPeerOscillations attribute is set to
    // True, and - changes its state to Idle."
    case 'NotifMsgVerErr':
      return notificationReceived(s, c, ev.notification, delayOpenRunning ? 'keep' : 'increment')

    case 'NotifMsg':
      return notificationReceived(s, c, ev.notification, 'increment')

    // Local bookkeeping events; nothing is being sent yet.
    case 'UpdateSent':
    case 'SendProgress':
      return stay(s)

    // "In response to any other events (Events 8, 10-11, 13, 19, 23, 25-28), the local system:
    // - if the ConnectRetryTimer is running, stops and resets the ConnectRetryTimer (sets to
    // zero), - if the DelayOpenTimer is running, stops and resets the DelayOpenTimer (sets to
    // zero), - releases all BGP resources, - drops the TCP connection, - increments the
    // ConnectRetryCounter by 1, - performs peer oscillation damping if the DampPeerOscillations
    // attribute is set to True, and - changes its state to Idle."
    default:
      return other(s, c, mayNotify)
  }
}

function other(s: SessionState, c: Ctx, mayNotify: boolean): Result {
  const { ev } = c
  if (ev.type === 'AutomaticStop') {
    return goIdle(s, c, {
      reason: stopReason(ev),
      notification: mayNotify ? stopNotification(s, ev) : null,
      counter: 'increment',
      stop: 'automatic',
    })
  }
  // A message on a connection that has not sent its OPEN yet (DelayOpen): RFC 6608 has no
  // subcode for Connect/Active, so FSM Error / Unspecified, when we may speak at all.
  const isMessage =
    ev.type === 'BGPOpen' ||
    ev.type === 'BGPOpen_with_DelayOpenTimer_running' ||
    ev.type === 'KeepAliveMsg' ||
    ev.type === 'UpdateMsg' ||
    ev.type === 'UpdateMsgErr' ||
    ev.type === 'RouteRefreshMsg'
  return goIdle(s, c, {
    reason: `unexpected ${ev.type} in ${s.state}`,
    notification: mayNotify && isMessage ? makeNotification(ErrorCode.FSM, FsmSubcode.UNSPECIFIED) : null,
    counter: 'increment',
  })
}

/**
 * Connect state, RFC 4271 §8.2.2 (https://www.rfc-editor.org/rfc/rfc4271#section-8.2.2):
 * "In this state, BGP FSM is waiting for the TCP connection to be completed."
 * Connect and Active share the DelayOpen handling (connect-active.ts).
 */
import type { SessionState } from '../state.js'
import { type Ctx, type Result, connectRetryDeadline, goIdle, moveTo, stay } from '../transitions.js'
import { connectOrActive } from './connect-active.js'

export function connect(s: SessionState, c: Ctx): Result {
  const { ev } = c
  switch (ev.type) {
    // "In response to the ConnectRetryTimer_Expires event (Event 9), the local system: - drops the
    // TCP connection, - restarts the ConnectRetryTimer, - stops the DelayOpenTimer and resets the
    // timer to zero, - initiates a TCP connection to the other BGP peer, - continues to listen for
    // a connection that may be initiated by the remote BGP peer, and - stays in the Connect state."
    case 'ConnectRetryTimer_Expires':
      return stay(
        { ...s, tcpUp: false, connectRetryDeadline: connectRetryDeadline(c), delayOpenDeadline: null },
        [{ type: 'close', reason: 'ConnectRetryTimer expired' }, { type: 'connect' }],
      )

    // "If the TCP connection fails (Event 18), the local system checks the DelayOpenTimer. If the
    // DelayOpenTimer is running, the local system: - restarts the ConnectRetryTimer with the
    // initial value, - stops the DelayOpenTimer and resets its value to zero, - continues to
    // listen for a connection that may be initiated by the remote BGP peer, and - changes its
    // state to Active. If the DelayOpenTimer is not running, the local system: - stops the
    // ConnectRetryTimer to zero, - drops the TCP connection, - releases all BGP resources, and
    // - changes its state to Idle."
    case 'TcpConnectionFails':
      if (s.delayOpenDeadline !== null) {
        const next = { ...s, tcpUp: false, connectRetryDeadline: connectRetryDeadline(c), delayOpenDeadline: null }
        return moveTo(next, 'Active', c, [], ev.reason ?? 'TCP connection failed')
      }
      return goIdle(s, c, { reason: ev.reason ?? 'TCP connection failed', counter: 'keep' })

    default:
      return connectOrActive(s, c)
  }
}

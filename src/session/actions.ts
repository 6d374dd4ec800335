/**
 * What the FSM asks its driver to do (RFC 4271 §8.2.2 "the local system: - sends ..., - drops the
 * TCP connection, ..."). Timers are not actions: they are deadlines in SessionState and the driver
 * arms one real timer for `nextDeadline(state)`.
 */
import { errorName, subcodeName } from '../wire/iana.js'
import type { Message, Notification, RouteRefresh, Update } from '../wire/types.js'
import type { FsmEventType } from './events.js'
import type { NegotiatedSession } from './negotiate.js'
import type { FsmStateName } from './state.js'

/** A NOTIFICATION with its decoded meaning, for the API and logs. */
export interface NotificationInfo {
  code: number
  subcode: number
  /** "Cease / Administrative Shutdown" */
  name: string
  data: Buffer
  /** RFC 9003 Shutdown Communication. */
  message?: string
  /** RFC 8538 §3: the NOTIFICATION wrapped in Cease / Hard Reset, decoded the same way. */
  hardReset?: { code: number; subcode: number; name: string; data: Buffer }
}

export type SessionEvent =
  | { type: 'stateChange'; from: FsmStateName; to: FsmStateName; event: FsmEventType; reason: string }
  | { type: 'established'; context: NegotiatedSession }
  | { type: 'notificationSent'; notification: NotificationInfo }
  | { type: 'notificationReceived'; notification: NotificationInfo }
  | { type: 'updateReceived'; update: Update }
  | { type: 'routeRefreshReceived'; message: RouteRefresh }

export type Action =
  /** Write this message on the session's TCP connection. */
  | { type: 'send'; message: Message }
  /** "initiates a TCP connection to the other BGP peer" */
  | { type: 'connect' }
  /** "drops the TCP connection" (also aborts a connect in progress); the driver flushes queued sends first. */
  | { type: 'close'; reason: string }
  | { type: 'emit'; event: SessionEvent }
  /** "releases all BGP resources" (Adj-RIB-Out queues, per-session buffers). */
  | { type: 'releaseResources' }
  /**
   * "deletes all routes associated with this connection". `graceful`: RFC 4724 §4.2 / RFC 8538 §4 —
   * the peer's Graceful Restart applies, so its routes are kept as stale instead.
   */
  | { type: 'deleteRoutes'; graceful: boolean }

export function notificationInfo(n: Notification): NotificationInfo {
  const info: NotificationInfo = {
    code: n.code,
    subcode: n.subcode,
    name: `${errorName(n.code)} / ${subcodeName(n.code, n.subcode)}`,
    data: n.data,
  }
  if (n.message !== undefined) info.message = n.message
  if (n.hardReset !== undefined) {
    const h = n.hardReset
    info.hardReset = {
      code: h.code,
      subcode: h.subcode,
      name: `${errorName(h.code)} / ${subcodeName(h.code, h.subcode)}`,
      data: h.data,
    }
  }
  return info
}

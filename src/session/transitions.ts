/**
 * The steps RFC 4271 §8.2.2 repeats across states ("sets the ConnectRetryTimer to zero, releases
 * all BGP resources, drops the TCP connection, increments the ConnectRetryCounter by 1,
 * (optionally) performs peer oscillation damping ..., and changes its state to Idle"), written
 * once. Every state change goes through `moveTo`, which emits the stateChange event.
 *
 * Our choices where §8 leaves room:
 * - Automatic restart: after an involuntary return to Idle (not ManualStop / AutomaticStop) the
 *   FSM arms the IdleHoldTimer and restarts itself, in the mode it was started, when it expires.
 * - DampPeerOscillations (events 6, 7): each consecutive involuntary return to Idle doubles the
 *   IdleHoldTime up to maxIdleHoldSec; a stay in Established of stablePeriodSec forgets it.
 */
import type { BgpError } from '../wire/errors.js'
import { CeaseSubcode, ErrorCode } from '../wire/iana.js'
import { KEEPALIVE } from '../wire/keepalive.js'
import { makeHardResetNotification, makeNotification, makeShutdownNotification } from '../wire/notification.js'
import type { Notification, Open } from '../wire/types.js'
import { type Action, notificationInfo } from './actions.js'
import { LARGE_HOLD_TIME_SEC, MIN_SEND_HOLD_TIME_SEC, type SessionConfig } from './config.js'
import type { FsmEvent, StopOptions } from './events.js'
import { localOpen } from './local-open.js'
import { negotiate } from './negotiate.js'
import { validateOpen } from './open-validate.js'
import type { FsmStateName, SessionState } from './state.js'

export interface Ctx {
  readonly ev: FsmEvent
  readonly now: number
  readonly cfg: SessionConfig
}

export interface Result {
  s: SessionState
  actions: Action[]
}

const sec = (n: number): number => n * 1000

export function stay(s: SessionState, actions: Action[] = []): Result {
  return { s, actions }
}

/** The one place states change (as OpenBGPD's change_state()). */
export function moveTo(s: SessionState, to: FsmStateName, c: Ctx, actions: Action[], reason: string): Result {
  if (s.state !== to) {
    actions.push({ type: 'emit', event: { type: 'stateChange', from: s.state, to, event: c.ev.type, reason } })
  }
  return { s: { ...s, state: to }, actions }
}

export function sendNotification(n: Notification, actions: Action[]): void {
  actions.push({ type: 'send', message: n })
  actions.push({ type: 'emit', event: { type: 'notificationSent', notification: notificationInfo(n) } })
}

export function connectRetryDeadline(c: Ctx): number {
  return c.now + sec(c.cfg.connectRetrySec)
}

/** RFC 9687: 8 minutes or twice the negotiated HoldTime, whichever is greater (paraphrase); none when HoldTime is 0 (our choice: no KEEPALIVEs, so no write progress to expect). */
export function sendHoldDeadline(holdTimeSec: number, now: number): number | null {
  return holdTimeSec === 0 ? null : now + sec(Math.max(MIN_SEND_HOLD_TIME_SEC, 2 * holdTimeSec))
}

export function holdDeadline(s: SessionState, now: number): number | null {
  const h = s.negotiated?.holdTimeSec ?? 0
  return h === 0 ? null : now + sec(h)
}

export function keepaliveDeadline(s: SessionState, now: number): number | null {
  const k = s.negotiated?.keepaliveSec ?? 0
  return k === 0 ? null : now + sec(k)
}

/** Idle → Connect (events 1, 3, 6) or Active (events 4, 5, 7). */
export function start(s: SessionState, c: Ctx, passive: boolean, reason: string): Result {
  // "- initializes all BGP resources for the peer connection, - sets ConnectRetryCounter to zero,
  //  - starts the ConnectRetryTimer with the initial value, - initiates a TCP connection to the
  //  other BGP peer [not when passive], - listens for a connection that may be initiated by the
  //  remote BGP peer, and - changes its state to Connect [Active when passive]."
  const actions: Action[] = passive ? [] : [{ type: 'connect' }]
  const next: SessionState = {
    ...s,
    connectRetryCounter: 0,
    connectRetryDeadline: connectRetryDeadline(c),
    idleHoldDeadline: null,
  }
  return moveTo(next, passive ? 'Active' : 'Connect', c, actions, reason)
}

/** "completes BGP initialization, sends an OPEN message to its peer, sets the HoldTimer to a large value, and changes its state to OpenSent." */
export function openSent(s: SessionState, c: Ctx, reason: string): Result {
  const open = localOpen(c.cfg)
  const actions: Action[] = [{ type: 'send', message: open }]
  // "A HoldTimer value of 4 minutes is suggested."
  const next: SessionState = {
    ...s,
    tcpUp: true,
    localOpen: open,
    connectRetryDeadline: null,
    delayOpenDeadline: null,
    holdDeadline: c.now + sec(LARGE_HOLD_TIME_SEC),
    sendHoldDeadline: sendHoldDeadline(LARGE_HOLD_TIME_SEC, c.now),
  }
  return moveTo(next, 'OpenSent', c, actions, reason)
}

/**
 * A valid OPEN (Event 19 in OpenSent, Event 20 in Connect/Active): validate (§6.2), negotiate,
 * send (OPEN and) KEEPALIVE, set the negotiated timers, move to OpenConfirm. An OPEN that fails
 * validation is BGPOpenMsgErr (Event 22): NOTIFICATION (when `notifyOnError`), Idle.
 */
export function acceptOpen(s: SessionState, c: Ctx, open: Open, notifyOnError: boolean): Result {
  const err = validateOpen(open, c.cfg)
  if (err) {
    return goIdle(s, c, {
      reason: `OPEN rejected: ${err.message}`,
      notification: notifyOnError ? makeNotification(err.code, err.subcode, err.data) : null,
      counter: 'increment',
    })
  }
  const actions: Action[] = []
  let mine = s.localOpen
  if (mine === null) {
    mine = localOpen(c.cfg)
    actions.push({ type: 'send', message: mine })
  }
  actions.push({ type: 'send', message: KEEPALIVE })
  const negotiated = negotiate(mine, open, { keepaliveSec: c.cfg.keepaliveSec })
  const base: SessionState = {
    ...s,
    tcpUp: true,
    localOpen: mine,
    peerOpen: open,
    negotiated,
    // "If the value of the autonomous system field is the same as the local Autonomous System
    // number, set the connection status to an internal connection; otherwise it will be external."
    internal: negotiated.peerAs === c.cfg.localAs,
    connectRetryDeadline: null,
    delayOpenDeadline: null,
  }
  // "If the negotiated hold time value is zero, then the HoldTimer and KeepaliveTimer are not started."
  const next: SessionState = {
    ...base,
    holdDeadline: holdDeadline(base, c.now),
    keepaliveDeadline: keepaliveDeadline(base, c.now),
    sendHoldDeadline: sendHoldDeadline(negotiated.holdTimeSec, c.now),
  }
  return moveTo(next, 'OpenConfirm', c, actions, `OPEN from AS${negotiated.peerAs} ${open.bgpId}`)
}

/** A malformed message (Events 21, 22, 28): the BgpError's NOTIFICATION, when `notify`. */
export function messageError(s: SessionState, c: Ctx, err: BgpError, notify: boolean): Result {
  return goIdle(s, c, {
    reason: `${c.ev.type}: ${err.message}`,
    notification: notify ? makeNotification(err.code, err.subcode, err.data) : null,
    counter: 'increment',
  })
}

export interface IdleOptions {
  reason: string
  /** The NOTIFICATION we send first, if any. */
  notification?: Notification | null
  /** The NOTIFICATION the peer sent (for the Graceful Restart decision). */
  received?: Notification
  counter: 'reset' | 'increment' | 'keep'
  /**
   * manual (ManualStop): no automatic restart, not a flap. automatic (AutomaticStop): no
   * automatic restart; a flap. collision (OpenCollisionDump): the peer disposes of this FSM.
   */
  stop?: 'manual' | 'automatic' | 'collision'
}

const isHardReset = (n: Notification | null | undefined): boolean =>
  n != null && n.code === ErrorCode.CEASE && n.subcode === CeaseSubcode.HARD_RESET

/**
 * → Idle: send the NOTIFICATION, delete routes (Established), release resources, drop TCP, stop
 * every timer, update the ConnectRetryCounter, and arm the IdleHoldTimer for a restart.
 */
export function goIdle(s: SessionState, c: Ctx, o: IdleOptions): Result {
  const actions: Action[] = []
  if (o.notification) sendNotification(o.notification, actions)
  if (s.state === 'Established') {
    // RFC 4724 §4.2: routes of a peer that advertised Graceful Restart are kept (stale) when the
    // session ends without a NOTIFICATION; RFC 8538 §4: with the N bit exchanged, also after any
    // NOTIFICATION except Cease / Hard Reset.
    const notif = o.notification ?? o.received
    const gr = s.negotiated?.gracefulRestart != null
    const graceful = gr && (notif == null || (s.negotiated!.notificationGr && !isHardReset(notif)))
    actions.push({ type: 'deleteRoutes', graceful })
  }
  actions.push({ type: 'releaseResources' })
  if (s.tcpUp || s.state === 'Connect') actions.push({ type: 'close', reason: o.reason })

  const { now, cfg } = c
  let idleHoldSec = s.idleHoldSec
  let flapCount = s.flapCount
  if (s.establishedAt !== null && now - s.establishedAt >= sec(cfg.stablePeriodSec)) {
    // Stable long enough: forget earlier flaps.
    idleHoldSec = cfg.idleHoldSec
    flapCount = 0
  }
  const startMode = o.stop ? null : s.start
  const restart = startMode !== null && cfg.autoRestart
  const idleHoldDeadline = restart ? now + sec(idleHoldSec) : null
  if (o.stop === undefined || o.stop === 'automatic') {
    flapCount++
    if (s.start?.damp) idleHoldSec = Math.min(idleHoldSec * 2, cfg.maxIdleHoldSec)
  }
  const counter =
    o.counter === 'reset' ? 0 : o.counter === 'increment' ? s.connectRetryCounter + 1 : s.connectRetryCounter
  const next: SessionState = {
    ...s,
    connectRetryCounter: counter,
    connectRetryDeadline: null,
    holdDeadline: null,
    keepaliveDeadline: null,
    delayOpenDeadline: null,
    sendHoldDeadline: null,
    idleHoldDeadline,
    tcpUp: false,
    start: startMode,
    idleHoldSec,
    flapCount,
    establishedAt: null,
    localOpen: null,
    peerOpen: null,
    negotiated: null,
    internal: cfg.internal,
  }
  return moveTo(next, 'Idle', c, actions, o.reason)
}

/**
 * The Cease for ManualStop / AutomaticStop: RFC 4486 subcode (default Administrative Shutdown),
 * RFC 9003 Shutdown Communication for subcodes 2 and 4, and RFC 8538 Cease / Hard Reset when the
 * N bit was exchanged. Default per RFC 8538 §5's suggested behaviour: Hard Reset for Maximum
 * Number of Prefixes Reached, Administrative Shutdown and Peer De-configured; Administrative Reset
 * is left to the user (`hardReset`), as are the subcodes whose suggestion is Graceful Restart.
 */
export function stopNotification(s: SessionState, o: StopOptions): Notification {
  const subcode = o.subcode ?? CeaseSubcode.ADMINISTRATIVE_SHUTDOWN
  const carriesText = subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN || subcode === CeaseSubcode.ADMINISTRATIVE_RESET
  const n =
    carriesText && o.reason !== undefined && o.reason !== ''
      ? makeShutdownNotification(subcode, o.reason)
      : makeNotification(ErrorCode.CEASE, subcode, o.data)
  const hardByDefault =
    subcode === CeaseSubcode.MAXIMUM_PREFIXES_REACHED ||
    subcode === CeaseSubcode.ADMINISTRATIVE_SHUTDOWN ||
    subcode === CeaseSubcode.PEER_DECONFIGURED
  const hard = s.negotiated?.notificationGr === true && (o.hardReset ?? hardByDefault)
  return hard ? makeHardResetNotification(n) : n
}

export function stopReason(ev: { type: string } & StopOptions): string {
  return ev.reason ? `${ev.type}: ${ev.reason}` : ev.type
}

/** RFC 6608 §4 catch-all: FSM Error with the subcode of the state ("Receive Unexpected Message in ..."). */
export function fsmError(s: SessionState, c: Ctx, subcode: number): Result {
  return goIdle(s, c, {
    reason: `unexpected ${c.ev.type} in ${s.state}`,
    notification: makeNotification(ErrorCode.FSM, subcode),
    counter: 'increment',
  })
}

/** RFC 4271 §6.5: "If a system does not receive successive KEEPALIVE, UPDATE, and/or NOTIFICATION messages within the period specified in the Hold Time field ..., then the NOTIFICATION message with the Hold Timer Expired Error Code is sent". */
export function holdTimerExpired(s: SessionState, c: Ctx): Result {
  return goIdle(s, c, {
    reason: 'HoldTimer expired',
    notification: makeNotification(ErrorCode.HOLD_TIMER_EXPIRED, 0),
    counter: 'increment',
  })
}

/**
 * RFC 9687 SendHoldTimer_Expires (Event 29), paraphrased: optionally send a NOTIFICATION with Error
 * Code Send Hold Timer Expired (8) when that does not delay closing, drop the TCP connection, go to
 * Idle as for HoldTimer_Expires. The driver discards the NOTIFICATION if the socket is still blocked.
 */
export function sendHoldTimerExpired(s: SessionState, c: Ctx): Result {
  return goIdle(s, c, {
    reason: 'SendHoldTimer expired: the peer is not reading',
    notification: makeNotification(ErrorCode.SEND_HOLD_TIMER_EXPIRED, 0),
    counter: 'increment',
  })
}

/** ManualStop (counter to zero) / AutomaticStop (counter + 1) with a Cease (OpenSent onwards). */
export function stopWithCease(s: SessionState, c: Ctx, ev: { type: 'ManualStop' | 'AutomaticStop' } & StopOptions): Result {
  const manual = ev.type === 'ManualStop'
  return goIdle(s, c, {
    reason: stopReason(ev),
    notification: stopNotification(s, ev),
    counter: manual ? 'reset' : 'increment',
    stop: manual ? 'manual' : 'automatic',
  })
}

/** OpenCollisionDump (Event 23): "sends a NOTIFICATION with a Cease" (RFC 4486: Connection Collision Resolution). */
export function collisionDump(s: SessionState, c: Ctx): Result {
  return goIdle(s, c, {
    reason: 'connection collision (RFC 4271 §6.8): this connection closes',
    notification: makeNotification(ErrorCode.CEASE, CeaseSubcode.CONNECTION_COLLISION_RESOLUTION),
    counter: 'increment',
    stop: 'collision',
  })
}

/** A NOTIFICATION received (Events 24, 25): never answered with one (RFC 4271 §6). */
export function notificationReceived(
  s: SessionState,
  c: Ctx,
  n: Notification,
  counter: 'increment' | 'keep',
): Result {
  const r = goIdle(s, c, { reason: `NOTIFICATION received: ${notificationInfo(n).name}`, received: n, counter })
  r.actions.unshift({ type: 'emit', event: { type: 'notificationReceived', notification: notificationInfo(n) } })
  return r
}

export function restartSendHold(s: SessionState, c: Ctx): Result {
  if (s.sendHoldDeadline === null) return stay(s)
  const h = s.negotiated?.holdTimeSec ?? LARGE_HOLD_TIME_SEC
  return stay({ ...s, sendHoldDeadline: sendHoldDeadline(h, c.now) })
}

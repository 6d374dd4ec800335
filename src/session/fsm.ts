/**
 * The BGP FSM (RFC 4271 §8) as a pure reducer: (state, event, now, config) → (state, actions).
 * No sockets, timers or clocks: the driver feeds events (decoded messages via `messageEvent`,
 * decode faults via `errorEvent`, TCP and administrative events) and due timers via `tick`, and
 * arms one real timer for `nextDeadline`.
 *
 *   Idle ──start──▶ Connect ◀──ConnectRetry──▶ Active
 *                      │ TCP up (DelayOpen: after DelayOpenTimer or peer OPEN)
 *                      ▼
 *                   OpenSent ──OPEN──▶ OpenConfirm ──KEEPALIVE──▶ Established
 *   any error / stop ─────────────────────────────────────────────▶ Idle
 */
import { BgpError } from '../wire/errors.js'
import { ErrorCode, OpenSubcode } from '../wire/iana.js'
import type { Message } from '../wire/types.js'
import type { Action } from './actions.js'
import type { SessionConfig } from './config.js'
import type { FsmEvent } from './events.js'
import type { SessionState } from './state.js'
import { active } from './states/active.js'
import { connect } from './states/connect.js'
import { established } from './states/established.js'
import { idle } from './states/idle.js'
import { openConfirm } from './states/open-confirm.js'
import { openSent } from './states/open-sent.js'
import type { Ctx, Result } from './transitions.js'

export function step(s: SessionState, ev: FsmEvent, now: number, cfg: SessionConfig): { s: SessionState; actions: Action[] } {
  const c: Ctx = { ev, now, cfg }
  let r: Result
  switch (s.state) {
    case 'Idle':
      r = idle(s, c)
      break
    case 'Connect':
      r = connect(s, c)
      break
    case 'Active':
      r = active(s, c)
      break
    case 'OpenSent':
      r = openSent(s, c)
      break
    case 'OpenConfirm':
      r = openConfirm(s, c)
      break
    case 'Established':
      r = established(s, c)
      break
  }
  return r
}

type TimerField = 'idleHoldDeadline' | 'connectRetryDeadline' | 'delayOpenDeadline' | 'sendHoldDeadline' | 'holdDeadline' | 'keepaliveDeadline'

/** Timers in the order their expiries are delivered when several are due at once: the fatal ones first. */
const TIMERS: ReadonlyArray<readonly [TimerField, FsmEvent]> = [
  ['holdDeadline', { type: 'HoldTimer_Expires' }],
  ['sendHoldDeadline', { type: 'SendHoldTimer_Expires' }],
  ['idleHoldDeadline', { type: 'IdleHoldTimer_Expires' }],
  ['connectRetryDeadline', { type: 'ConnectRetryTimer_Expires' }],
  ['delayOpenDeadline', { type: 'DelayOpenTimer_Expires' }],
  ['keepaliveDeadline', { type: 'KeepaliveTimer_Expires' }],
]

/** The earliest running timer's deadline (ms), or null when none runs: the driver's one real timer. */
export function nextDeadline(s: SessionState): number | null {
  let min: number | null = null
  for (const [f] of TIMERS) {
    const d = s[f]
    if (d !== null && (min === null || d < min)) min = d
  }
  return min
}

/** Timer expiry events due at `now` (deadline ≤ now), fatal ones first. */
export function timerEvents(s: SessionState, now: number): FsmEvent[] {
  const out: FsmEvent[] = []
  for (const [f, ev] of TIMERS) {
    const d = s[f]
    if (d !== null && d <= now) out.push(ev)
  }
  return out
}

/**
 * Deliver every timer due at `now`, one at a time: each step may stop the others (a hold timer
 * expiry moves to Idle, so a KeepaliveTimer due at the same instant no longer fires).
 */
export function tick(s: SessionState, now: number, cfg: SessionConfig): { s: SessionState; actions: Action[] } {
  const actions: Action[] = []
  // Each timer fires at most once per tick, even if a state ignores its expiry without stopping it.
  const fired = new Set<TimerField>()
  for (;;) {
    const due = TIMERS.find(([f]) => !fired.has(f) && s[f] !== null && s[f]! <= now)
    if (due === undefined) break
    fired.add(due[0])
    const r = step(s, due[1], now, cfg)
    s = r.s
    actions.push(...r.actions)
  }
  return { s, actions }
}

/**
 * The RFC 4271 §8.1.5 event for a decoded message. OPEN: Event 20 while the DelayOpenTimer runs,
 * else 19 (the FSM validates it, §6.2, and turns a bad one into Event 22). NOTIFICATION: Event 24
 * for "version error" (OPEN Message Error / Unsupported Version Number), else 25. UPDATE: Event 28
 * when RFC 7606 says session reset, else 27 (treat-as-withdraw and attribute discard are not
 * session errors; the RIB applies them).
 */
export function messageEvent(s: SessionState, msg: Message): FsmEvent {
  switch (msg.type) {
    case 'OPEN':
      return s.delayOpenDeadline !== null
        ? { type: 'BGPOpen_with_DelayOpenTimer_running', open: msg }
        : { type: 'BGPOpen', open: msg }
    case 'NOTIFICATION':
      return msg.code === ErrorCode.OPEN_MESSAGE && msg.subcode === OpenSubcode.UNSUPPORTED_VERSION_NUMBER
        ? { type: 'NotifMsgVerErr', notification: msg }
        : { type: 'NotifMsg', notification: msg }
    case 'KEEPALIVE':
      return { type: 'KeepAliveMsg' }
    case 'UPDATE': {
      const reset = msg.errors?.find((e) => e.action === 'reset')
      if (reset) {
        return { type: 'UpdateMsgErr', error: new BgpError(ErrorCode.UPDATE_MESSAGE, reset.subcode, reset.reason, undefined, reset.offset) }
      }
      return { type: 'UpdateMsg', update: msg }
    }
    case 'ROUTE-REFRESH':
      return { type: 'RouteRefreshMsg', message: msg }
  }
}

/**
 * The event for a decode fault: Message Header Error → BGPHeaderErr (21), OPEN Message Error →
 * BGPOpenMsgErr (22), anything else found in a message body (UPDATE Message Error, ROUTE-REFRESH
 * Message Error) → UpdateMsgErr (28): the session ends with the error's NOTIFICATION.
 */
export function errorEvent(err: BgpError): FsmEvent {
  if (err.code === ErrorCode.MESSAGE_HEADER) return { type: 'BGPHeaderErr', error: err }
  if (err.code === ErrorCode.OPEN_MESSAGE) return { type: 'BGPOpenMsgErr', error: err }
  return { type: 'UpdateMsgErr', error: err }
}

/** The start event (§8.1.2) a configuration calls for: passive → 4/5/7, damped → 6/7. */
export function startEvent(cfg: SessionConfig, o: { automatic: boolean; damp?: boolean }): FsmEvent {
  if (o.damp) {
    return cfg.passive
      ? { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' }
      : { type: 'AutomaticStart_with_DampPeerOscillations' }
  }
  if (o.automatic) return cfg.passive ? { type: 'AutomaticStart_with_PassiveTcpEstablishment' } : { type: 'AutomaticStart' }
  return cfg.passive ? { type: 'ManualStart_with_PassiveTcpEstablishment' } : { type: 'ManualStart' }
}

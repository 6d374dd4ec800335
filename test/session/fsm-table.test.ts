/**
 * RFC 4271 §8.2.2, one row per (state, event): the next state, the actions in order, and the
 * ConnectRetryCounter afterwards. Every state starts from the fresh FSM driven there by
 * helpers.pathTo (ConnectRetryCounter 0, time 0); the event arrives at t = 1000 ms.
 */
import t from 'tap'
import { BgpError } from '../../src/wire/errors.js'
import { emptyV4 } from '../../src/wire/prefix.js'
import { makeNotification } from '../../src/wire/notification.js'
import type { Update } from '../../src/wire/types.js'
import type { FsmEvent } from '../../src/session/events.js'
import { step } from '../../src/session/fsm.js'
import type { FsmStateName } from '../../src/session/state.js'
import { CFG, digests, peerOpen, reach } from './helpers.js'

const UPDATE: Update = { type: 'UPDATE', withdrawn: emptyV4(false), attributes: {}, nlri: emptyV4(false) }
const HEADER_ERR = new BgpError(1, 2, 'bad length', Buffer.from([0x00, 0x05]))
const OPEN_ERR = new BgpError(2, 0, 'malformed parameter')
const UPDATE_ERR = new BgpError(3, 11, 'malformed AS_PATH')

const E: Record<string, FsmEvent> = {
  ManualStart: { type: 'ManualStart' },
  ManualStop: { type: 'ManualStop' },
  AutomaticStart: { type: 'AutomaticStart' },
  PassiveStart: { type: 'ManualStart_with_PassiveTcpEstablishment' },
  AutoPassiveStart: { type: 'AutomaticStart_with_PassiveTcpEstablishment' },
  DampStart: { type: 'AutomaticStart_with_DampPeerOscillations' },
  DampPassiveStart: { type: 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment' },
  AutomaticStop: { type: 'AutomaticStop', subcode: 1, data: Buffer.from([0, 1, 1, 0, 0, 0, 100]) },
  ConnectRetry: { type: 'ConnectRetryTimer_Expires' },
  Hold: { type: 'HoldTimer_Expires' },
  Keepalive: { type: 'KeepaliveTimer_Expires' },
  DelayOpen: { type: 'DelayOpenTimer_Expires' },
  IdleHold: { type: 'IdleHoldTimer_Expires' },
  TcpValid: { type: 'TcpConnection_Valid' },
  TcpInvalid: { type: 'Tcp_CR_Invalid' },
  TcpAcked: { type: 'Tcp_CR_Acked' },
  TcpConfirmed: { type: 'TcpConnectionConfirmed' },
  TcpFails: { type: 'TcpConnectionFails' },
  Open: { type: 'BGPOpen', open: peerOpen() },
  OpenDelay: { type: 'BGPOpen_with_DelayOpenTimer_running', open: peerOpen() },
  HeaderErr: { type: 'BGPHeaderErr', error: HEADER_ERR },
  OpenMsgErr: { type: 'BGPOpenMsgErr', error: OPEN_ERR },
  Collision: { type: 'OpenCollisionDump' },
  NotifVer: { type: 'NotifMsgVerErr', notification: makeNotification(2, 1, Buffer.from([0, 4])) },
  Notif: { type: 'NotifMsg', notification: makeNotification(6, 2) },
  KeepAliveMsg: { type: 'KeepAliveMsg' },
  Update: { type: 'UpdateMsg', update: UPDATE },
  UpdateErr: { type: 'UpdateMsgErr', error: UPDATE_ERR },
  SendHold: { type: 'SendHoldTimer_Expires' },
  RouteRefresh: { type: 'RouteRefreshMsg', message: { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 } },
  UpdateSent: { type: 'UpdateSent' },
  SendProgress: { type: 'SendProgress' },
}

/** → Idle after sending `notif` (when given) from a state with a TCP connection. */
function toIdle(from: FsmStateName, notif?: string, opts: { routes?: boolean; close?: boolean } = {}): string[] {
  const out: string[] = []
  if (notif) out.push(`send NOTIFICATION ${notif}`, `notif-sent ${notif}`)
  if (opts.routes ?? from === 'Established') out.push('deleteRoutes')
  out.push('release')
  if (opts.close ?? true) out.push('close')
  out.push(`state ${from}>Idle`)
  return out
}
const recvIdle = (from: FsmStateName, n: string): string[] => [`notif-recv ${n}`, ...toIdle(from)]

type Row = [event: keyof typeof E, next: FsmStateName, actions: string[], counter: number]

const table: Record<FsmStateName, Row[]> = {
  Idle: [
    ['ManualStart', 'Connect', ['connect', 'state Idle>Connect'], 0],
    ['AutomaticStart', 'Connect', ['connect', 'state Idle>Connect'], 0],
    ['PassiveStart', 'Active', ['state Idle>Active'], 0],
    ['AutoPassiveStart', 'Active', ['state Idle>Active'], 0],
    ['DampStart', 'Connect', ['connect', 'state Idle>Connect'], 0],
    ['DampPassiveStart', 'Active', ['state Idle>Active'], 0],
    ['ManualStop', 'Idle', [], 0],
    ['AutomaticStop', 'Idle', [], 0],
    // "Any other event (Events 9-12, 15-28) received in the Idle state does not cause change"
    ...(['ConnectRetry', 'Hold', 'Keepalive', 'DelayOpen', 'IdleHold', 'TcpValid', 'TcpInvalid', 'TcpAcked', 'TcpConfirmed', 'TcpFails', 'Open', 'OpenDelay', 'HeaderErr', 'OpenMsgErr', 'Collision', 'NotifVer', 'Notif', 'KeepAliveMsg', 'Update', 'UpdateErr', 'SendHold', 'RouteRefresh', 'UpdateSent', 'SendProgress'] as const).map(
      (e): Row => [e, 'Idle', [], 0],
    ),
  ],
  Connect: [
    ...(['ManualStart', 'AutomaticStart', 'PassiveStart', 'AutoPassiveStart', 'DampStart', 'DampPassiveStart'] as const).map(
      (e): Row => [e, 'Connect', [], 0],
    ),
    ['ManualStop', 'Idle', toIdle('Connect'), 0],
    ['ConnectRetry', 'Connect', ['close', 'connect'], 0],
    ['DelayOpen', 'OpenSent', ['send OPEN', 'state Connect>OpenSent'], 0],
    ['TcpValid', 'Connect', [], 0],
    ['TcpInvalid', 'Connect', [], 0],
    ['TcpAcked', 'OpenSent', ['send OPEN', 'state Connect>OpenSent'], 0],
    ['TcpConfirmed', 'OpenSent', ['send OPEN', 'state Connect>OpenSent'], 0],
    ['TcpFails', 'Idle', toIdle('Connect'), 0],
    // No DelayOpenTimer running: an OPEN is one of the "other events" (no TCP up, nothing sent).
    ['Open', 'Idle', toIdle('Connect'), 1],
    ['OpenDelay', 'Idle', toIdle('Connect'), 1],
    ['HeaderErr', 'Idle', toIdle('Connect'), 1],
    ['OpenMsgErr', 'Idle', toIdle('Connect'), 1],
    ['NotifVer', 'Idle', recvIdle('Connect', '2/1'), 1],
    ...(['AutomaticStop', 'Hold', 'Keepalive', 'IdleHold', 'Collision', 'KeepAliveMsg', 'Update', 'UpdateErr', 'SendHold', 'RouteRefresh'] as const).map(
      (e): Row => [e, 'Idle', toIdle('Connect'), 1],
    ),
    ['Notif', 'Idle', recvIdle('Connect', '6/2'), 1],
    ['UpdateSent', 'Connect', [], 0],
    ['SendProgress', 'Connect', [], 0],
  ],
  Active: [
    ...(['ManualStart', 'AutomaticStart', 'PassiveStart', 'AutoPassiveStart', 'DampStart', 'DampPassiveStart'] as const).map(
      (e): Row => [e, 'Active', [], 0],
    ),
    ['ManualStop', 'Idle', toIdle('Active', undefined, { close: false }), 0],
    // Started passive: ConnectRetryTimer_Expires does not initiate (see active.ts).
    ['ConnectRetry', 'Active', [], 0],
    ['DelayOpen', 'OpenSent', ['send OPEN', 'state Active>OpenSent'], 0],
    ['TcpValid', 'Active', [], 0],
    ['TcpInvalid', 'Active', [], 0],
    ['TcpAcked', 'OpenSent', ['send OPEN', 'state Active>OpenSent'], 0],
    ['TcpConfirmed', 'OpenSent', ['send OPEN', 'state Active>OpenSent'], 0],
    ['TcpFails', 'Idle', toIdle('Active', undefined, { close: false }), 1],
    ['Open', 'Idle', toIdle('Active', undefined, { close: false }), 1],
    ['HeaderErr', 'Idle', toIdle('Active', undefined, { close: false }), 1],
    ['OpenMsgErr', 'Idle', toIdle('Active', undefined, { close: false }), 1],
    ['NotifVer', 'Idle', [`notif-recv 2/1`, ...toIdle('Active', undefined, { close: false })], 1],
    ...(['AutomaticStop', 'Hold', 'Keepalive', 'IdleHold', 'OpenDelay', 'Collision', 'KeepAliveMsg', 'Update', 'UpdateErr', 'SendHold', 'RouteRefresh'] as const).map(
      (e): Row => [e, 'Idle', toIdle('Active', undefined, { close: false }), 1],
    ),
    ['Notif', 'Idle', ['notif-recv 6/2', ...toIdle('Active', undefined, { close: false })], 1],
    ['UpdateSent', 'Active', [], 0],
    ['SendProgress', 'Active', [], 0],
  ],
  OpenSent: [
    ...(['ManualStart', 'AutomaticStart', 'PassiveStart', 'AutoPassiveStart', 'DampStart', 'DampPassiveStart'] as const).map(
      (e): Row => [e, 'OpenSent', [], 0],
    ),
    ['ManualStop', 'Idle', toIdle('OpenSent', '6/2'), 0],
    ['AutomaticStop', 'Idle', toIdle('OpenSent', '6/1'), 1],
    ['Hold', 'Idle', toIdle('OpenSent', '4/0'), 1],
    ['TcpValid', 'OpenSent', [], 0],
    ['TcpInvalid', 'OpenSent', [], 0],
    ['TcpAcked', 'OpenSent', [], 0],
    ['TcpConfirmed', 'OpenSent', [], 0],
    ['TcpFails', 'Active', ['close', 'state OpenSent>Active'], 0],
    ['Open', 'OpenConfirm', ['send KEEPALIVE', 'state OpenSent>OpenConfirm'], 0],
    ['HeaderErr', 'Idle', toIdle('OpenSent', '1/2'), 1],
    ['OpenMsgErr', 'Idle', toIdle('OpenSent', '2/0'), 1],
    ['Collision', 'Idle', toIdle('OpenSent', '6/7'), 1],
    ['NotifVer', 'Idle', recvIdle('OpenSent', '2/1'), 0],
    ['Notif', 'Idle', recvIdle('OpenSent', '6/2'), 1],
    ['SendHold', 'Idle', toIdle('OpenSent', '8/0'), 1],
    // "In response to any other event (Events 9, 11-13, 20, 25-28)": FSM Error, RFC 6608 subcode 1.
    ...(['ConnectRetry', 'Keepalive', 'DelayOpen', 'IdleHold', 'OpenDelay', 'KeepAliveMsg', 'Update', 'UpdateErr', 'RouteRefresh'] as const).map(
      (e): Row => [e, 'Idle', toIdle('OpenSent', '5/1'), 1],
    ),
    ['UpdateSent', 'OpenSent', [], 0],
    ['SendProgress', 'OpenSent', [], 0],
  ],
  OpenConfirm: [
    ...(['ManualStart', 'AutomaticStart', 'PassiveStart', 'AutoPassiveStart', 'DampStart', 'DampPassiveStart'] as const).map(
      (e): Row => [e, 'OpenConfirm', [], 0],
    ),
    ['ManualStop', 'Idle', toIdle('OpenConfirm', '6/2'), 0],
    ['AutomaticStop', 'Idle', toIdle('OpenConfirm', '6/1'), 1],
    ['Hold', 'Idle', toIdle('OpenConfirm', '4/0'), 1],
    ['Keepalive', 'OpenConfirm', ['send KEEPALIVE'], 0],
    ['TcpValid', 'OpenConfirm', [], 0],
    ['TcpInvalid', 'OpenConfirm', [], 0],
    ['TcpAcked', 'OpenConfirm', [], 0],
    ['TcpConfirmed', 'OpenConfirm', [], 0],
    ['TcpFails', 'Idle', toIdle('OpenConfirm'), 1],
    ['Notif', 'Idle', recvIdle('OpenConfirm', '6/2'), 1],
    ['NotifVer', 'Idle', recvIdle('OpenConfirm', '2/1'), 0],
    ['HeaderErr', 'Idle', toIdle('OpenConfirm', '1/2'), 1],
    ['OpenMsgErr', 'Idle', toIdle('OpenConfirm', '2/0'), 1],
    ['Collision', 'Idle', toIdle('OpenConfirm', '6/7'), 1],
    ['KeepAliveMsg', 'Established', ['state OpenConfirm>Established', 'established'], 0],
    ['SendHold', 'Idle', toIdle('OpenConfirm', '8/0'), 1],
    // "In response to any other event (Events 9, 12-13, 20, 27-28)": FSM Error, RFC 6608 subcode 2.
    ...(['ConnectRetry', 'DelayOpen', 'IdleHold', 'Open', 'OpenDelay', 'Update', 'UpdateErr', 'RouteRefresh'] as const).map(
      (e): Row => [e, 'Idle', toIdle('OpenConfirm', '5/2'), 1],
    ),
    ['UpdateSent', 'OpenConfirm', [], 0],
    ['SendProgress', 'OpenConfirm', [], 0],
  ],
  Established: [
    ...(['ManualStart', 'AutomaticStart', 'PassiveStart', 'AutoPassiveStart', 'DampStart', 'DampPassiveStart'] as const).map(
      (e): Row => [e, 'Established', [], 0],
    ),
    ['ManualStop', 'Idle', toIdle('Established', '6/2'), 0],
    ['AutomaticStop', 'Idle', toIdle('Established', '6/1'), 1],
    ['Hold', 'Idle', toIdle('Established', '4/0'), 1],
    ['Keepalive', 'Established', ['send KEEPALIVE'], 0],
    ['TcpValid', 'Established', [], 0],
    ['TcpInvalid', 'Established', [], 0],
    ['TcpAcked', 'Established', [], 0],
    ['TcpConfirmed', 'Established', [], 0],
    ['TcpFails', 'Idle', toIdle('Established'), 1],
    ['Notif', 'Idle', recvIdle('Established', '6/2'), 1],
    ['NotifVer', 'Idle', recvIdle('Established', '2/1'), 1],
    ['Collision', 'Idle', toIdle('Established', '6/7'), 1],
    ['KeepAliveMsg', 'Established', [], 0],
    ['Update', 'Established', ['update'], 0],
    ['RouteRefresh', 'Established', ['route-refresh'], 0],
    ['UpdateErr', 'Idle', toIdle('Established', '3/11'), 1],
    ['HeaderErr', 'Idle', toIdle('Established', '1/2'), 1],
    ['SendHold', 'Idle', toIdle('Established', '8/0'), 1],
    // "In response to any other event (Events 9, 12-13, 20-22)": FSM Error, RFC 6608 subcode 3.
    ...(['ConnectRetry', 'DelayOpen', 'IdleHold', 'Open', 'OpenDelay', 'OpenMsgErr'] as const).map(
      (e): Row => [e, 'Idle', toIdle('Established', '5/3'), 1],
    ),
    ['UpdateSent', 'Established', [], 0],
    ['SendProgress', 'Established', [], 0],
  ],
}

for (const [state, rows] of Object.entries(table) as Array<[FsmStateName, Row[]]>) {
  t.test(`${state} (RFC 4271 §8.2.2)`, async (t) => {
    const s0 = reach(state)
    for (const [evName, next, actions, counter] of rows) {
      const r = step(s0, E[evName]!, 1000, CFG)
      t.same(
        { state: r.s.state, actions: digests(r.actions), counter: r.s.connectRetryCounter },
        { state: next, actions, counter },
        `${state} + ${E[evName]!.type}`,
      )
      if (next === 'Idle' && state !== 'Idle') {
        t.same(
          [r.s.connectRetryDeadline, r.s.holdDeadline, r.s.keepaliveDeadline, r.s.delayOpenDeadline, r.s.sendHoldDeadline],
          [null, null, null, null, null],
          `${state} + ${E[evName]!.type}: every timer stopped`,
        )
      }
    }
  })
}

t.test('every event type appears in every state row set', async (t) => {
  const all = new Set(Object.keys(E))
  for (const [state, rows] of Object.entries(table)) {
    const seen = new Set(rows.map((r) => r[0]))
    const missing = [...all].filter((e) => !seen.has(e as keyof typeof E))
    t.same(missing, [], `${state} covers all events`)
  }
})

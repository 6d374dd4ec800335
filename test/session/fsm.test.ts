/**
 * FSM scenarios on a fake clock: scripts of [now, event | 'tick'] → actions and state
 * (RFC 4271 §8.2.2 timers, DelayOpen, passive peers, DampPeerOscillations backoff, RFC 9003
 * shutdown text, RFC 8538 hard reset, RFC 9687 send hold timer).
 */
import t from 'tap'
import { BgpError } from '../../src/wire/errors.js'
import { emptyV4 } from '../../src/wire/prefix.js'
import { makeHardResetNotification, makeNotification } from '../../src/wire/notification.js'
import type { Capability, Notification } from '../../src/wire/types.js'
import type { Action } from '../../src/session/actions.js'
import { FsmEventNumber } from '../../src/session/events.js'
import { errorEvent, messageEvent, nextDeadline, startEvent, step, tick, timerEvents } from '../../src/session/fsm.js'
import { initialState } from '../../src/session/state.js'
import { CFG, cfgOf, digests, peerOpen, reach, run, type ScriptStep } from './helpers.js'

const sent = (actions: Action[]): Notification[] =>
  actions.flatMap((a) => (a.type === 'send' && a.message.type === 'NOTIFICATION' ? [a.message] : []))

t.test('active start to Established, keepalives, then hold timer expiry', async (t) => {
  const tr = run(CFG, [
    [0, { type: 'ManualStart' }],
    [100, { type: 'Tcp_CR_Acked' }],
    [200, { type: 'BGPOpen', open: peerOpen({ holdTime: 90 }) }],
    [300, { type: 'KeepAliveMsg' }],
  ])
  t.same(tr.log, [
    ['connect', 'state Idle>Connect'],
    ['send OPEN', 'state Connect>OpenSent'],
    ['send KEEPALIVE', 'state OpenSent>OpenConfirm'],
    ['state OpenConfirm>Established', 'established'],
  ])
  const s = tr.s
  t.equal(s.state, 'Established')
  t.equal(s.holdDeadline, 300 + 90_000, 'HoldTimer restarted by the KEEPALIVE')
  t.equal(s.keepaliveDeadline, 200 + 30_000, 'KeepaliveTimer = hold / 3 from OpenConfirm entry')
  t.equal(s.sendHoldDeadline, 200 + 480_000, 'RFC 9687: max(8 min, 2 × 90 s)')
  t.equal(nextDeadline(s), 30_200)
  t.same(timerEvents(s, 30_199), [])
  t.same(timerEvents(s, 30_200), [{ type: 'KeepaliveTimer_Expires' }])

  const k = tick(s, 30_200, CFG)
  t.same(digests(k.actions), ['send KEEPALIVE'])
  t.equal(k.s.keepaliveDeadline, 60_200)

  // The peer goes silent: at 90.3 s the HoldTimer fires; the KeepaliveTimer due too is not served.
  const h = tick(k.s, 90_300, CFG)
  t.same(digests(h.actions), ['send NOTIFICATION 4/0', 'notif-sent 4/0', 'deleteRoutes', 'release', 'close', 'state Established>Idle'])
  t.equal(h.s.connectRetryCounter, 1)
  t.equal(h.s.idleHoldDeadline, 90_300 + 5_000, 'automatic restart after IdleHoldTime')
  t.equal(nextDeadline(h.s), 95_300)
  const again = tick(h.s, 95_300, CFG)
  t.same(digests(again.actions), ['connect', 'state Idle>Connect'])
  t.equal(again.s.connectRetryCounter, 0, 'a start sets the ConnectRetryCounter to zero')
})

t.test('stateChange and established events carry their context', async (t) => {
  const s = reach('OpenConfirm')
  const r = step(s, { type: 'KeepAliveMsg' }, 5, CFG)
  const events = r.actions.flatMap((a) => (a.type === 'emit' ? [a.event] : []))
  t.match(events[0], { type: 'stateChange', from: 'OpenConfirm', to: 'Established', event: 'KeepAliveMsg', reason: 'KEEPALIVE received' })
  t.match(events[1], { type: 'established', context: { as4: true, peerAs: 65002, holdTimeSec: 90, keepaliveSec: 30 } })
  t.equal(r.s.establishedAt, 5)
})

t.test('hold time: smaller of both, 0 = no timers, keepalive configured or hold/3', async (t) => {
  const cases: Array<[string, number | undefined, number, number, number | null]> = [
    // name, configured keepalive, peer hold, negotiated hold, keepalive
    ['peer smaller', undefined, 30, 30, 10],
    ['ours smaller', undefined, 180, 90, 30],
    ['configured keepalive below hold/3', 5, 90, 90, 5],
    ['configured keepalive above hold/3 is capped', 60, 9, 9, 3],
    ['peer hold 0', undefined, 0, 0, 0],
  ]
  for (const [name, ka, peerHold, hold, keepalive] of cases) {
    const cfg = cfgOf(ka === undefined ? {} : { keepaliveSec: ka })
    const s = reach('OpenConfirm', cfg, peerOpen({ holdTime: peerHold }))
    t.equal(s.negotiated!.holdTimeSec, hold, `${name}: hold`)
    t.equal(s.negotiated!.keepaliveSec, keepalive, `${name}: keepalive`)
    if (hold === 0) {
      t.same([s.holdDeadline, s.keepaliveDeadline, s.sendHoldDeadline], [null, null, null], `${name}: no timers`)
      const e = step(s, { type: 'KeepAliveMsg' }, 10, cfg)
      t.equal(nextDeadline(e.s), null, `${name}: Established with no timer at all`)
    } else {
      t.equal(s.keepaliveDeadline, keepalive! * 1000, `${name}: keepalive deadline`)
    }
  }
  const cfg0 = cfgOf({ holdTimeSec: 0 })
  t.equal(reach('OpenConfirm', cfg0).negotiated!.holdTimeSec, 0, 'our hold 0 wins too')
})

t.test('OpenSent: large hold timer (4 minutes) expires', async (t) => {
  const s = reach('OpenSent')
  t.equal(s.holdDeadline, 240_000)
  t.equal(s.connectRetryDeadline, null, 'ConnectRetryTimer stopped on TCP success')
  const r = tick(s, 240_000, CFG)
  t.same(digests(r.actions), ['send NOTIFICATION 4/0', 'notif-sent 4/0', 'release', 'close', 'state OpenSent>Idle'])
})

t.test('Connect: ConnectRetryTimer expiry retries; TCP failure goes Idle', async (t) => {
  const tr = run(CFG, [
    [0, { type: 'ManualStart' }],
    [120_000, 'tick'],
    [240_000, 'tick'],
    [250_000, { type: 'TcpConnectionFails', reason: 'ECONNREFUSED' }],
  ])
  t.same(tr.log, [
    ['connect', 'state Idle>Connect'],
    ['close', 'connect'],
    ['close', 'connect'],
    ['release', 'close', 'state Connect>Idle'],
  ])
  t.equal(tr.s.idleHoldDeadline, 255_000)
})

t.test('DelayOpen (RFC 4271 §8.1.1 optional attribute)', async (t) => {
  const cfg = cfgOf({ delayOpenSec: 10 })
  const s1 = run(cfg, [
    [0, { type: 'ManualStart' }],
    [50, { type: 'Tcp_CR_Acked' }],
  ]).s
  t.equal(s1.state, 'Connect', 'stays in Connect with the DelayOpenTimer running')
  t.equal(s1.delayOpenDeadline, 10_050)
  t.equal(s1.connectRetryDeadline, null)

  t.test('DelayOpenTimer expires: send OPEN', async (t) => {
    const r = tick(s1, 10_050, cfg)
    t.same(digests(r.actions), ['send OPEN', 'state Connect>OpenSent'])
    t.equal(r.s.holdDeadline, 10_050 + 240_000)
  })
  t.test('peer OPEN first: Event 20 sends OPEN and KEEPALIVE', async (t) => {
    const ev = messageEvent(s1, peerOpen())
    t.equal(ev.type, 'BGPOpen_with_DelayOpenTimer_running')
    const r = step(s1, ev, 3_000, cfg)
    t.same(digests(r.actions), ['send OPEN', 'send KEEPALIVE', 'state Connect>OpenConfirm'])
    t.equal(r.s.delayOpenDeadline, null)
    t.equal(r.s.holdDeadline, 3_000 + 90_000)
    const e = step(r.s, { type: 'KeepAliveMsg' }, 3_100, cfg)
    t.equal(e.s.state, 'Established')
  })
  t.test('a BGPOpen (19) while the DelayOpenTimer runs is treated as Event 20', async (t) => {
    const r = step(s1, { type: 'BGPOpen', open: peerOpen() }, 3_000, cfg)
    t.equal(r.s.state, 'OpenConfirm')
  })
  t.test('bad OPEN while delaying: NOTIFICATION without OPEN', async (t) => {
    const r = step(s1, messageEvent(s1, peerOpen({ asn: 64999 })), 3_000, cfg)
    t.same(digests(r.actions), ['send NOTIFICATION 2/2', 'notif-sent 2/2', 'release', 'close', 'state Connect>Idle'])
    const quiet = cfgOf({ delayOpenSec: 10, sendNotificationWithoutOpen: false })
    const q = step(s1, messageEvent(s1, peerOpen({ asn: 64999 })), 3_000, quiet)
    t.same(digests(q.actions), ['release', 'close', 'state Connect>Idle'], 'SendNOTIFICATIONwithoutOPEN off')
  })
  t.test('TCP fails while delaying: to Active, ConnectRetryTimer restarted', async (t) => {
    const r = step(s1, { type: 'TcpConnectionFails' }, 4_000, cfg)
    t.same(digests(r.actions), ['state Connect>Active'])
    t.equal(r.s.connectRetryDeadline, 4_000 + 120_000)
    t.equal(r.s.delayOpenDeadline, null)
  })
  t.test('version-error NOTIFICATION while delaying keeps the counter', async (t) => {
    const r = step(s1, { type: 'NotifMsgVerErr', notification: makeNotification(2, 1, Buffer.from([0, 4])) }, 4_000, cfg)
    t.equal(r.s.state, 'Idle')
    t.equal(r.s.connectRetryCounter, 0)
  })
  t.test('UPDATE before our OPEN: FSM Error / Unspecified', async (t) => {
    const upd = { type: 'UPDATE' as const, withdrawn: emptyV4(false), attributes: {}, nlri: emptyV4(false) }
    const r = step(s1, messageEvent(s1, upd), 4_000, cfg)
    t.same(sent(r.actions).map((n) => [n.code, n.subcode]), [[5, 0]])
  })
  t.test('Active + DelayOpen + ManualStop: Cease without OPEN', async (t) => {
    const a = run(cfg, [
      [0, { type: 'ManualStart_with_PassiveTcpEstablishment' }],
      [10, { type: 'TcpConnectionConfirmed' }],
    ]).s
    t.equal(a.state, 'Active')
    t.equal(a.delayOpenDeadline, 10_010)
    const r = step(a, { type: 'ManualStop' }, 20, cfg)
    t.same(digests(r.actions), ['send NOTIFICATION 6/2', 'notif-sent 6/2', 'release', 'close', 'state Active>Idle'])
    t.equal(r.s.idleHoldDeadline, null, 'ManualStop: no automatic restart')
  })
})

t.test('passive peer', async (t) => {
  const cfg = cfgOf({ passive: true })
  const tr = run(cfg, [
    [0, startEvent(cfg, { automatic: false })],
    [120_000, 'tick'],
    [130_000, { type: 'TcpConnectionConfirmed' }],
  ])
  t.same(tr.log, [['state Idle>Active'], [], ['send OPEN', 'state Active>OpenSent']])
  t.equal(startEvent(cfg, { automatic: false }).type, 'ManualStart_with_PassiveTcpEstablishment')
  t.equal(startEvent(cfg, { automatic: true }).type, 'AutomaticStart_with_PassiveTcpEstablishment')
  t.equal(startEvent(cfg, { automatic: true, damp: true }).type, 'AutomaticStart_with_DampPeerOscillations_and_PassiveTcpEstablishment')
  t.equal(startEvent(CFG, { automatic: true, damp: true }).type, 'AutomaticStart_with_DampPeerOscillations')
  t.equal(startEvent(CFG, { automatic: true }).type, 'AutomaticStart')
  t.equal(startEvent(CFG, { automatic: false }).type, 'ManualStart')
  // A passive-configured peer never initiates, even on a plain ManualStart.
  const r = step(initialState(cfg), { type: 'ManualStart' }, 0, cfg)
  t.same(digests(r.actions), ['state Idle>Active'])

  t.test('an active peer in Active initiates when ConnectRetryTimer expires', async (t) => {
    const s = run(CFG, [
      [0, { type: 'ManualStart' }],
      [10, { type: 'Tcp_CR_Acked' }],
      [20, { type: 'TcpConnectionFails' }],
    ]).s
    t.equal(s.state, 'Active')
    t.equal(s.connectRetryDeadline, 120_020)
    const r = tick(s, 120_020, CFG)
    t.same(digests(r.actions), ['connect', 'state Active>Connect'])
  })
})

t.test('DampPeerOscillations: exponential IdleHold backoff, reset after a stable period', async (t) => {
  const cfg = cfgOf({ idleHoldSec: 5, maxIdleHoldSec: 40, stablePeriodSec: 300 })
  let s = step(initialState(cfg), { type: 'AutomaticStart_with_DampPeerOscillations' }, 0, cfg).s
  let now = 0
  const waits: number[] = []
  for (let i = 0; i < 6; i++) {
    now += 1000
    s = step(s, { type: 'TcpConnectionFails' }, now, cfg).s
    t.equal(s.state, 'Idle')
    waits.push((s.idleHoldDeadline! - now) / 1000)
    now = s.idleHoldDeadline!
    const r = tick(s, now, cfg)
    t.same(digests(r.actions), ['connect', 'state Idle>Connect'], `restart ${i + 1}`)
    s = r.s
  }
  t.same(waits, [5, 10, 20, 40, 40, 40], 'doubles per flap up to the maximum')
  t.equal(s.flapCount, 6)

  // A damped start while the IdleHoldTimer runs waits for it.
  const idle = step(s, { type: 'TcpConnectionFails' }, now + 1, cfg).s
  const early = step({ ...idle, start: null }, { type: 'AutomaticStart_with_DampPeerOscillations' }, now + 2, cfg)
  t.same(digests(early.actions), [], 'damped start deferred until IdleHoldTimer_Expires')
  t.equal(early.s.start?.damp, true)

  // Established for the stable period: the next drop waits the initial IdleHoldTime again.
  let e = run(cfg, [
    [now, { type: 'Tcp_CR_Acked' }],
    [now, { type: 'BGPOpen', open: peerOpen() }],
    [now, { type: 'KeepAliveMsg' }],
  ], s).s
  t.equal(e.state, 'Established')
  const later = now + 300_000
  e = step({ ...e, holdDeadline: null }, { type: 'TcpConnectionFails' }, later, cfg).s
  t.equal(e.idleHoldDeadline, later + 5_000, 'backoff forgotten after stablePeriodSec in Established')
  t.equal(e.flapCount, 1)

  t.test('a short Established period does not reset the backoff', async (t) => {
    let e2 = run(cfg, [
      [now, { type: 'Tcp_CR_Acked' }],
      [now, { type: 'BGPOpen', open: peerOpen() }],
      [now, { type: 'KeepAliveMsg' }],
    ], s).s
    e2 = step(e2, { type: 'TcpConnectionFails' }, now + 10_000, cfg).s
    t.equal(e2.idleHoldDeadline, now + 10_000 + 40_000)
  })
  t.test('without damping the wait stays at IdleHoldTime', async (t) => {
    let u = step(initialState(cfg), { type: 'AutomaticStart' }, 0, cfg).s
    const w: number[] = []
    for (let i = 0; i < 3; i++) {
      u = step(u, { type: 'TcpConnectionFails' }, 1000 * (i + 1) * 100, cfg).s
      w.push(u.idleHoldDeadline! - 1000 * (i + 1) * 100)
      u = tick(u, u.idleHoldDeadline!, cfg).s
    }
    t.same(w, [5000, 5000, 5000])
  })
  t.test('ManualStart overrides a running backoff', async (t) => {
    const r = step(idle, { type: 'ManualStart' }, now + 2, cfg)
    t.equal(r.s.state, 'Connect')
    t.equal(r.s.idleHoldSec, 5)
    t.equal(r.s.idleHoldDeadline, null)
  })
  t.test('ManualStop in Idle cancels the pending restart', async (t) => {
    const r = step(idle, { type: 'ManualStop' }, now + 2, cfg)
    t.same(digests(r.actions), [])
    t.equal(r.s.idleHoldDeadline, null)
    t.equal(r.s.start, null)
    t.equal(nextDeadline(r.s), null)
  })
  t.test('autoRestart off: stays Idle', async (t) => {
    const off = cfgOf({ autoRestart: false })
    const r = run(off, [
      [0, { type: 'ManualStart' }],
      [10, { type: 'TcpConnectionFails' }],
    ])
    t.equal(r.s.idleHoldDeadline, null)
  })
  t.test('IdleHoldTimer_Expires with no start mode just clears the timer', async (t) => {
    const r = step({ ...initialState(cfg), idleHoldDeadline: 10 }, { type: 'IdleHoldTimer_Expires' }, 10, cfg)
    t.equal(r.s.state, 'Idle')
    t.equal(r.s.idleHoldDeadline, null)
  })
})

t.test('malformed messages carry their NOTIFICATION data', async (t) => {
  const headerErr = new BgpError(1, 2, 'length 5000', Buffer.from([0x13, 0x88]))
  for (const state of ['OpenSent', 'OpenConfirm', 'Established'] as const) {
    const r = step(reach(state), errorEvent(headerErr), 1, CFG)
    t.same(sent(r.actions).map((n) => [n.code, n.subcode, n.data.toString('hex')]), [[1, 2, '1388']], `${state}: header error`)
  }
  const updErr = new BgpError(3, 5, 'ORIGIN length', Buffer.from('40010200', 'hex'))
  t.equal(errorEvent(updErr).type, 'UpdateMsgErr')
  const r = step(reach('Established'), errorEvent(updErr), 1, CFG)
  t.same(sent(r.actions).map((n) => [n.code, n.subcode, n.data.toString('hex')]), [[3, 5, '40010200']])
  t.equal(errorEvent(new BgpError(2, 4, 'x')).type, 'BGPOpenMsgErr')
  t.equal(errorEvent(new BgpError(7, 1, 'x')).type, 'UpdateMsgErr', 'ROUTE-REFRESH Message Error ends the session too')

  t.test('an OPEN failing §6.2 validation in OpenSent sends its error', async (t) => {
    const cases: Array<[string, ReturnType<typeof peerOpen>, string]> = [
      ['bad version', peerOpen({ version: 3 }), '2/1 0004'],
      ['bad peer AS', peerOpen({ asn: 65003 }), '2/2 '],
      ['hold 2', peerOpen({ holdTime: 2 }), '2/6 '],
      ['zero id', peerOpen({ bgpId: '0.0.0.0' }), '2/3 '],
    ]
    for (const [name, open, want] of cases) {
      const r = step(reach('OpenSent'), messageEvent(reach('OpenSent'), open), 1, CFG)
      const n = sent(r.actions)[0]!
      t.equal(`${n.code}/${n.subcode} ${n.data.toString('hex')}`, want, name)
      t.equal(r.s.state, 'Idle')
      t.equal(r.s.connectRetryCounter, 1)
    }
  })
  t.test('UPDATE with an RFC 7606 reset outcome becomes Event 28', async (t) => {
    const upd = {
      type: 'UPDATE' as const,
      withdrawn: emptyV4(false),
      attributes: {},
      nlri: emptyV4(false),
      errors: [{ action: 'reset' as const, attrType: 14, subcode: 9, reason: 'bad MP_REACH', offset: 30 }],
    }
    const ev = messageEvent(reach('Established'), upd)
    t.equal(ev.type, 'UpdateMsgErr')
    const r = step(reach('Established'), ev, 1, CFG)
    t.same(sent(r.actions).map((n) => [n.code, n.subcode]), [[3, 9]])
    const withdraw = { ...upd, errors: [{ ...upd.errors[0]!, action: 'withdraw' as const }] }
    t.equal(messageEvent(reach('Established'), withdraw).type, 'UpdateMsg', 'treat-as-withdraw is not a session error')
  })
})

t.test('messageEvent maps every message type', async (t) => {
  const s = reach('OpenSent')
  t.equal(messageEvent(s, peerOpen()).type, 'BGPOpen')
  t.equal(messageEvent(s, { type: 'KEEPALIVE' }).type, 'KeepAliveMsg')
  t.equal(messageEvent(s, makeNotification(2, 1, Buffer.from([0, 4]))).type, 'NotifMsgVerErr')
  t.equal(messageEvent(s, makeNotification(2, 2)).type, 'NotifMsg')
  t.equal(messageEvent(s, makeNotification(6, 4)).type, 'NotifMsg')
  t.equal(messageEvent(s, { type: 'ROUTE-REFRESH', afi: 1, safi: 1, subtype: 0 }).type, 'RouteRefreshMsg')
  t.equal(FsmEventNumber.BGPOpen_with_DelayOpenTimer_running, 20)
  t.equal(FsmEventNumber.SendHoldTimer_Expires, 29)
})

t.test('clean close: Cease subcodes, RFC 9003 text, RFC 4486 data', async (t) => {
  const s = reach('Established')
  const cases: Array<[string, Parameters<typeof step>[1], string, string | undefined]> = [
    ['default ManualStop', { type: 'ManualStop' }, '6/2 ', undefined],
    ['shutdown with text', { type: 'ManualStop', reason: 'maintenance' }, '6/2 0b6d61696e74656e616e6365', 'maintenance'],
    ['reset with text', { type: 'ManualStop', subcode: 4, reason: 'reset' }, '6/4 057265736574', 'reset'],
    ['peer de-configured', { type: 'ManualStop', subcode: 3, reason: 'ignored here' }, '6/3 ', undefined],
    ['max prefix', { type: 'AutomaticStop', subcode: 1, data: Buffer.from('00010100000064', 'hex') }, '6/1 00010100000064', undefined],
  ]
  for (const [name, ev, want, message] of cases) {
    const r = step(s, ev, 1, CFG)
    const n = sent(r.actions)[0]!
    t.equal(`${n.code}/${n.subcode} ${n.data.toString('hex')}`, want, name)
    const info = r.actions.find((a) => a.type === 'emit' && a.event.type === 'notificationSent')
    t.equal(info?.type === 'emit' && info.event.type === 'notificationSent' ? info.event.notification.message : 'x', message, `${name}: message`)
    t.equal(r.s.connectRetryCounter, ev.type === 'ManualStop' ? 0 : 1)
    t.equal(r.s.idleHoldDeadline, null, `${name}: no automatic restart after a stop`)
  }
  const r = step(s, { type: 'ManualStop', reason: 'x' }, 1, CFG)
  const ev = r.actions.find((a) => a.type === 'emit' && a.event.type === 'stateChange')
  t.match(ev, { event: { reason: 'ManualStop: x' } })
})

t.test('RFC 8538 hard reset and RFC 4724 graceful route retention', async (t) => {
  const gr = (n: boolean): Capability => ({ code: 64, restartState: false, notification: n, restartTime: 120, families: [{ afi: 1, safi: 1, forwardingState: false }] })
  const cfg = cfgOf({ capabilities: { gracefulRestart: { restartTimeSec: 120 } } })
  const peerCaps = (n: boolean): Capability[] => [{ code: 1, afi: 1, safi: 1 }, gr(n), { code: 65, asn: 65002 }]
  const withN = reach('Established', cfg, peerOpen({ capabilities: peerCaps(true) }))
  const noN = reach('Established', cfg, peerOpen({ capabilities: peerCaps(false) }))
  t.equal(withN.negotiated!.notificationGr, true)
  t.equal(noN.negotiated!.notificationGr, false)

  const stop = step(withN, { type: 'ManualStop', reason: 'bye' }, 1, cfg)
  const n = sent(stop.actions)[0]!
  t.same([n.code, n.subcode, n.hardReset?.code, n.hardReset?.subcode], [6, 9, 6, 2], 'Administrative Shutdown wrapped in Hard Reset')
  t.ok(digests(stop.actions).includes('deleteRoutes'), 'hard reset deletes routes')

  const soft = step(withN, { type: 'ManualStop', hardReset: false }, 1, cfg)
  t.same(sent(soft.actions).map((x) => [x.code, x.subcode]), [[6, 2]])
  t.ok(digests(soft.actions).includes('deleteRoutes(graceful)'), 'N bit: a plain Cease keeps GR')

  const maxPfx = step(withN, { type: 'AutomaticStop', subcode: 1 }, 1, cfg)
  t.same(sent(maxPfx.actions).map((x) => [x.code, x.subcode]), [[6, 9]], 'max prefix: hard reset by default')
  const reset = step(withN, { type: 'ManualStop', subcode: 4 }, 1, cfg)
  t.same(sent(reset.actions).map((x) => [x.code, x.subcode]), [[6, 4]], 'Administrative Reset: user control, default graceful')
  const hardReset = step(withN, { type: 'ManualStop', subcode: 4, reason: 'clear', hardReset: true }, 1, cfg)
  const hr = sent(hardReset.actions)[0]!
  t.same([hr.code, hr.subcode, hr.hardReset?.subcode, hr.hardReset?.data.toString()], [6, 9, 4, '\x05clear'], 'opt-in hard reset keeps the RFC 9003 text inside')

  const rejected = step(withN, { type: 'ManualStop', subcode: 5 }, 1, cfg)
  t.same(sent(rejected.actions).map((x) => [x.code, x.subcode]), [[6, 5]], 'Connection Rejected stays plain')

  const noNStop = step(noN, { type: 'ManualStop' }, 1, cfg)
  t.same(sent(noNStop.actions).map((x) => [x.code, x.subcode]), [[6, 2]], 'no N bit: no hard reset')
  t.ok(digests(noNStop.actions).includes('deleteRoutes'))

  const tcp = step(noN, { type: 'TcpConnectionFails' }, 1, cfg)
  t.ok(digests(tcp.actions).includes('deleteRoutes(graceful)'), 'TCP loss with peer GR: routes kept stale')
  const hold = step(withN, { type: 'HoldTimer_Expires' }, 1, cfg)
  t.ok(digests(hold.actions).includes('deleteRoutes(graceful)'), 'N bit: Hold Timer Expired keeps GR')
  const holdNoN = step(noN, { type: 'HoldTimer_Expires' }, 1, cfg)
  t.ok(digests(holdNoN.actions).includes('deleteRoutes'), 'no N bit: a NOTIFICATION ends GR')

  const recvHard = step(withN, { type: 'NotifMsg', notification: makeHardResetNotification(makeNotification(6, 2)) }, 1, cfg)
  t.ok(digests(recvHard.actions).includes('deleteRoutes'), 'received Hard Reset deletes routes')
  const ev = recvHard.actions[0]!
  t.match(ev, { type: 'emit', event: { type: 'notificationReceived', notification: { name: 'Cease / Hard Reset', hardReset: { name: 'Cease / Administrative Shutdown' } } } })
  const recvSoft = step(withN, { type: 'NotifMsg', notification: makeNotification(6, 4) }, 1, cfg)
  t.ok(digests(recvSoft.actions).includes('deleteRoutes(graceful)'))
})

t.test('RFC 9687 SendHoldTimer', async (t) => {
  const s = reach('Established')
  t.equal(s.sendHoldDeadline, 480_000)
  const p = step(s, { type: 'SendProgress' }, 100_000, CFG)
  t.equal(p.s.sendHoldDeadline, 580_000, 'restarted on write progress')
  const x = tick({ ...p.s, holdDeadline: null, keepaliveDeadline: null }, 580_000, CFG)
  t.same(digests(x.actions).slice(0, 2), ['send NOTIFICATION 8/0', 'notif-sent 8/0'])
  t.equal(x.s.state, 'Idle')
  const os = step(reach('OpenSent'), { type: 'SendProgress' }, 10, CFG)
  t.equal(os.s.sendHoldDeadline, 10 + 480_000)
})

t.test('UpdateSent restarts the KeepaliveTimer', async (t) => {
  const s = reach('Established')
  const r = step(s, { type: 'UpdateSent' }, 20_000, CFG)
  t.equal(r.s.keepaliveDeadline, 50_000)
  t.same(r.actions, [])
})

t.test('collision dump: Cease / Connection Collision Resolution, no restart', async (t) => {
  for (const state of ['OpenSent', 'OpenConfirm'] as const) {
    const r = step(reach(state), { type: 'OpenCollisionDump' }, 1, CFG)
    t.same(sent(r.actions).map((n) => [n.code, n.subcode]), [[6, 7]], state)
    t.equal(r.s.idleHoldDeadline, null, `${state}: the peer disposes of this FSM`)
  }
})

t.test('tick with nothing due is a no-op; timers fire in priority order', async (t) => {
  const s = reach('Established')
  t.same(tick(s, 1, CFG), { s, actions: [] })
  t.same(
    timerEvents(s, 10_000_000).map((e) => e.type),
    ['HoldTimer_Expires', 'SendHoldTimer_Expires', 'KeepaliveTimer_Expires'],
  )
})

t.test('a full script replays deterministically', async (t) => {
  const script: ScriptStep[] = [
    [0, { type: 'AutomaticStart' }],
    [10, { type: 'TcpConnectionConfirmed' }],
    [20, { type: 'BGPOpen', open: peerOpen({ holdTime: 9 }) }],
    [30, { type: 'KeepAliveMsg' }],
    [3_020, 'tick'],
    [6_020, 'tick'],
    [9_030, 'tick'],
  ]
  const a = run(CFG, script)
  const b = run(CFG, script)
  t.same(a.log, b.log)
  t.same(a.log.slice(4), [
    ['send KEEPALIVE'],
    ['send KEEPALIVE'],
    ['send NOTIFICATION 4/0', 'notif-sent 4/0', 'deleteRoutes', 'release', 'close', 'state Established>Idle'],
  ])
})

t.test('a timer a state ignores fires once per tick, never loops', async (t) => {
  const s = { ...initialState(CFG), keepaliveDeadline: 10 }
  const r = tick(s, 20, CFG)
  t.same(r.actions, [])
  t.equal(r.s.state, 'Idle')
})

t.test('step never mutates its input state', async (t) => {
  const states = (['Idle', 'Connect', 'Active', 'OpenSent', 'OpenConfirm', 'Established'] as const).map((x) => reach(x))
  const events = [
    { type: 'ManualStop' },
    { type: 'HoldTimer_Expires' },
    { type: 'KeepAliveMsg' },
    { type: 'TcpConnectionFails' },
    { type: 'BGPOpen', open: peerOpen() },
  ] as const
  for (const s of states) {
    const before = JSON.stringify(s)
    for (const ev of events) step(Object.freeze({ ...s }), ev, 7, CFG)
    t.equal(JSON.stringify(s), before, `${s.state} unchanged`)
  }
})

t.test('RFC 4271 §8.1 event numbers 1-28 and RFC 9687 29 are all defined once', async (t) => {
  const numbers = Object.values(FsmEventNumber).filter((n) => n !== 0).sort((a, b) => a - b)
  t.same(numbers, Array.from({ length: 29 }, (_, i) => i + 1))
})

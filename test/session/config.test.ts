/** Session configuration defaults and checks. */
import t from 'tap'
import {
  DEFAULT_CONNECT_RETRY_SEC,
  DEFAULT_HOLD_TIME_SEC,
  DEFAULT_IDLE_HOLD_SEC,
  LARGE_HOLD_TIME_SEC,
  remoteAsMatches,
  sessionConfig,
  type SessionConfigInput,
} from '../../src/session/config.js'

const base: SessionConfigInput = { localAs: 65001, remoteAs: 65002, bgpId: '192.0.2.1' }

t.test('defaults', async (t) => {
  const c = sessionConfig(base)
  t.same(
    [c.holdTimeSec, c.keepaliveSec, c.connectRetrySec, c.delayOpenSec, c.passive, c.idleHoldSec, c.internal],
    [DEFAULT_HOLD_TIME_SEC, null, DEFAULT_CONNECT_RETRY_SEC, null, false, DEFAULT_IDLE_HOLD_SEC, false],
  )
  t.same([DEFAULT_HOLD_TIME_SEC, DEFAULT_CONNECT_RETRY_SEC, LARGE_HOLD_TIME_SEC], [90, 120, 240])
  t.same(c.capabilities.families, [[1, 1]])
  t.equal(c.capabilities.routeRefresh, true)
  t.equal(sessionConfig({ ...base, remoteAs: 65001 }).internal, true, 'iBGP derived')
  t.equal(sessionConfig({ ...base, remoteAs: [65001, 65002] }).internal, null, 'dynamic: known from the OPEN')
  t.ok(Object.isFrozen(c))
})

t.test('rejects bad values', async (t) => {
  const bad: Array<[string, Partial<SessionConfigInput>]> = [
    ['hold 1', { holdTimeSec: 1 }],
    ['hold 2', { holdTimeSec: 2 }],
    ['hold negative', { holdTimeSec: -1 }],
    ['hold too big', { holdTimeSec: 70000 }],
    ['keepalive 0', { keepaliveSec: 0 }],
    ['localAs 0', { localAs: 0 }],
    ['remoteAs too big', { remoteAs: 2 ** 32 }],
    ['empty remoteAs list', { remoteAs: [] }],
    ['inverted range', { remoteAs: { min: 10, max: 5 } }],
    ['bgpId zero', { bgpId: '0.0.0.0' }],
    ['bgpId not an address', { bgpId: 'router1' }],
    ['connectRetry 0', { connectRetrySec: 0 }],
    ['delayOpen 0', { delayOpenSec: 0 }],
    ['max idle hold below initial', { idleHoldSec: 10, maxIdleHoldSec: 5 }],
    ['GR restart time over 12 bits', { capabilities: { gracefulRestart: { restartTimeSec: 5000 } } }],
    ['add-path mode 4', { capabilities: { addPath: [{ afi: 1, safi: 1, mode: 4 }] } }],
    ['role 256', { capabilities: { role: { role: 256 } } }],
  ]
  for (const [name, o] of bad) t.throws(() => sessionConfig({ ...base, ...o }), RangeError, name)
  t.doesNotThrow(() => sessionConfig({ ...base, holdTimeSec: 0 }), 'hold 0 is allowed')
  t.doesNotThrow(() => sessionConfig({ ...base, holdTimeSec: 3 }), 'hold 3 is allowed')
})

t.test('remoteAsMatches', async (t) => {
  t.ok(remoteAsMatches(65002, 65002))
  t.notOk(remoteAsMatches(65002, 65003))
  t.ok(remoteAsMatches({ min: 1, max: 10 }, 10))
  t.notOk(remoteAsMatches({ min: 1, max: 10 }, 11))
  t.ok(remoteAsMatches([5, 7], 7))
  t.notOk(remoteAsMatches([5, 7], 6))
})

/** Service state machine: scripted verdict sequences on a fake clock (time is just a number). */
import t from 'tap'
import {
  serviceDeadline, serviceMachineConfig, startService, stepService,
  type ServiceChange, type ServiceEvent, type ServiceMachineConfig, type ServiceState,
} from '../../src/daemon/service-state.js'
import { parseConfigText } from '../../src/daemon/config/load.js'

const NONE = { med: null, localPref: null, prepend: null, communities: [], largeCommunities: [] }

function mk(o: Partial<ServiceMachineConfig> = {}): ServiceMachineConfig {
  return {
    name: 'dns',
    checks: [{ name: 'dig', kind: 'exec', rise: 2, fall: 2 }],
    combine: 'all',
    attributes: { ...NONE, med: 100 },
    onFailure: { action: 'withdraw' },
    announceOnStart: false,
    holdDownMs: 10_000,
    drain: { periodMs: 30_000, localPref: 0, prepend: null, communities: [] },
    ...o,
  }
}

const ok = (check = 0): ServiceEvent => ({ type: 'verdict', check, ok: true })
const fail = (check = 0): ServiceEvent => ({ type: 'verdict', check, ok: false, detail: 'exit 1' })
const flag = (present: boolean, check = 1): ServiceEvent => ({ type: 'verdict', check, ok: true, maintenance: present })
const TIMER: ServiceEvent = { type: 'timer' }

/** "t from->to A|W" per change, plus "(n steps silent)" bookkeeping via the returned state. */
function run(cfg: ServiceMachineConfig, script: Array<[number, ServiceEvent]>): { lines: string[]; changes: ServiceChange[]; s: ServiceState } {
  let { s, changes } = startService(cfg, 0)
  const all = [...changes]
  for (const [now, ev] of script) {
    const r = stepService(cfg, s, ev, now)
    s = r.s
    all.push(...r.changes)
  }
  return { lines: all.slice(1).map((c) => `${c.atMs} ${c.from}->${c.to} ${c.announcement.announce ? 'A' : 'W'}`), changes: all, s }
}

t.test('starting: nothing announced until rise passes; withdrawn at the fall-th failure', async (t) => {
  const r = run(mk(), [[0, ok()], [1000, ok()], [2000, ok()], [3000, fail()], [4000, fail()], [5000, fail()]])
  t.same(r.lines, ['1000 starting->up A', '4000 up->down W'])
  t.equal(r.changes[0]!.announcement.announce, false, 'starting is not announced')
  t.same(r.changes[2]!.reason, { kind: 'check', check: 'dig', passes: 0, fails: 2, detail: 'exit 1', text: 'check dig failed 2 time(s) in a row (fall 2)' })
  t.equal(r.changes[1]!.reason.text, 'check dig passed 2 time(s) in a row (rise 2)')
})

t.test('a failure between passes resets the streak', async (t) => {
  const r = run(mk(), [[0, ok()], [1, fail()], [2, ok()], [3, fail()], [4, ok()], [5, ok()]])
  t.same(r.lines, ['5 starting->up A'])
})

t.test('hold-down: back up only after hold-down, via the deadline', async (t) => {
  const cfg = mk()
  const r = run(cfg, [[0, ok()], [1, ok()], [100, fail()], [200, fail()], [300, ok()], [400, ok()], [500, ok()]])
  t.same(r.lines, ['1 starting->up A', '200 up->down W'], 'healthy again but held')
  t.equal(r.s.state, 'down')
  t.equal(serviceDeadline(cfg, r.s), 10_200, 'deadline = went down + hold-down')
  const early = stepService(cfg, r.s, TIMER, 10_199)
  t.same(early.changes, [], 'no change before the deadline')
  const at = stepService(cfg, r.s, TIMER, 10_200)
  t.same(at.changes.map((c) => `${c.from}->${c.to} ${c.reason.kind}`), ['down->up hold-down'])
  t.equal(serviceDeadline(cfg, at.s), null)
})

t.test('hold-down restarts when the check fails again while held', async (t) => {
  const cfg = mk({ checks: [{ name: 'dig', kind: 'exec', rise: 1, fall: 1 }] })
  const r = run(cfg, [[0, ok()], [1000, fail()], [2000, ok()], [5000, fail()], [6000, ok()]])
  t.same(r.lines, ['0 starting->up A', '1000 up->down W'])
  t.equal(serviceDeadline(cfg, r.s), 15_000)
})

t.test('a service that never was announced is not held down', async (t) => {
  const r = run(mk(), [[0, fail()], [1, fail()], [2, ok()], [3, ok()]])
  t.same(r.lines, ['1 starting->down W', '3 down->up A'])
})

t.test('down is decided in the step of the fall-th failure, and the step is fast', async (t) => {
  const cfg = mk()
  let { s } = startService(cfg, 0)
  for (const ev of [ok(), ok(), fail()]) s = stepService(cfg, s, ev, 1).s
  const t0 = performance.now()
  const r = stepService(cfg, s, fail(), 2)
  const ms = performance.now() - t0
  t.equal(r.changes[0]?.to, 'down')
  t.ok(ms < 5, `verdict -> change in ${ms.toFixed(3)} ms`)
})

t.test('drain: maintenance flag from a file check drains, then withdraws after the period', async (t) => {
  const cfg = mk({ checks: [{ name: 'dig', kind: 'exec', rise: 1, fall: 1 }, { name: 'flag', kind: 'file', rise: 1, fall: 1 }] })
  const r = run(cfg, [[0, flag(false)], [0, ok()], [1000, flag(false)], [2000, flag(true)], [2500, flag(true)]])
  t.same(r.lines, ['0 starting->up A', '2000 up->draining A'])
  const drain = r.changes[2]!
  t.same(drain.announcement, { announce: true, med: 100, localPref: 0, prepend: 0, communities: [0xffff0000], largeCommunities: [] })
  t.same(drain.reason.kind, 'maintenance')
  t.equal(serviceDeadline(cfg, r.s), 32_000)
  const end = stepService(cfg, r.s, TIMER, 32_000)
  t.same(end.changes.map((c) => `${c.from}->${c.to} ${c.announcement.announce} ${c.reason.kind}`), ['draining->maintenance false drain-period'])
  const off = stepService(cfg, end.s, flag(false), 40_000)
  t.same(off.changes.map((c) => `${c.from}->${c.to}`), ['maintenance->up'], 'flag removed: back up (no hold-down: it was healthy)')
})

t.test('drain attributes: prepend, extra communities, no duplicate GRACEFUL_SHUTDOWN', async (t) => {
  const cfg = mk({
    checks: [],
    attributes: { ...NONE, med: 5, localPref: 200, communities: [0xffff0000, 65011 * 65536 + 1] },
    drain: { periodMs: 1000, localPref: 10, prepend: 3, communities: [65011 * 65536 + 99] },
  })
  let { s, changes } = startService(cfg, 0)
  t.same(changes.map((c) => c.to), ['starting', 'up'], 'no checks: up at once')
  const r = stepService(cfg, s, { type: 'maintenance', on: true, source: 'admin' }, 5)
  s = r.s
  t.same(r.changes[0]!.announcement, { announce: true, med: 5, localPref: 10, prepend: 3, communities: [0xffff0000, 65011 * 65536 + 1, 65011 * 65536 + 99], largeCommunities: [] })
  t.equal(r.changes[0]!.reason.text, 'maintenance on (admin)')
  t.same(stepService(cfg, s, { type: 'maintenance', on: true, source: 'admin' }, 6).changes, [], 'same input twice: no emission')
  const back = stepService(cfg, s, { type: 'maintenance', on: false, source: 'admin' }, 7)
  t.same(back.changes.map((c) => `${c.from}->${c.to}`), ['draining->up'], 'undrain before the period ends')
})

t.test('maintenance while not announced skips draining; a dead service is withdrawn even while draining', async (t) => {
  const cfg = mk({ checks: [{ name: 'dig', kind: 'exec', rise: 1, fall: 1 }] })
  const a = run(cfg, [[0, { type: 'maintenance', on: true, source: 'admin' }], [1, ok()]])
  t.same(a.lines, ['0 starting->maintenance W'])
  const b = run(cfg, [[0, ok()], [1, { type: 'maintenance', on: true, source: 'admin' }], [2, fail()]])
  t.same(b.lines, ['0 starting->up A', '1 up->draining A', '2 draining->maintenance W'])
  t.equal(serviceDeadline(cfg, b.s), null)
})

t.test('several maintenance sources: drained until the last one is off', async (t) => {
  const cfg = mk({ checks: [], drain: { periodMs: 0, localPref: 0, prepend: null, communities: [] } })
  let { s } = startService(cfg, 0)
  const lines: string[] = []
  for (const [on, source] of [[true, 'admin'], [true, 'shutdown'], [false, 'admin'], [false, 'shutdown']] as const) {
    const r = stepService(cfg, s, { type: 'maintenance', on, source }, 1)
    s = r.s
    lines.push(...r.changes.map((c) => `${c.from}->${c.to}`))
  }
  t.same(lines, ['up->maintenance', 'maintenance->up'], 'drain period 0: straight to maintenance')
})

t.test('on-failure degrade: announced with worse attributes instead of withdrawn', async (t) => {
  const cfg = mk({ onFailure: { action: 'degrade', med: 1000, prepend: 2, localPref: null } })
  const r = run(cfg, [[0, ok()], [0, ok()], [1, fail()], [2, fail()], [3, fail()]])
  t.same(r.lines, ['0 starting->up A', '2 up->down A'])
  t.same(r.changes[2]!.announcement, { announce: true, med: 1000, localPref: null, prepend: 2, communities: [], largeCommunities: [] })
})

t.test('announce-on-start: announced before any check, withdrawn on failure', async (t) => {
  const cfg = mk({ announceOnStart: true })
  const r = run(cfg, [[0, ok()], [1, ok()], [2, fail()], [3, fail()]])
  t.equal(r.changes[0]!.announcement.announce, true, 'start announces')
  t.same(r.lines, ['1 starting->up A', '3 up->down W'])
  const r2 = run(cfg, [[0, fail()], [1, fail()]])
  t.same(r2.lines, ['1 starting->down W'])
  const held = stepService(cfg, stepService(cfg, r2.s, ok(), 2).s, ok(), 3)
  t.same(held.changes, [], 'healthy again but held')
  t.equal(serviceDeadline(cfg, held.s), 1 + 10_000, 'it was announced, so it is held down')
})

t.test('combine all / any', async (t) => {
  const two = [{ name: 'a', kind: 'tcp' as const, rise: 1, fall: 1 }, { name: 'b', kind: 'http' as const, rise: 1, fall: 1 }]
  const all = run(mk({ checks: two, combine: 'all' }), [[0, ok(0)], [1, ok(1)], [2, fail(1)]])
  t.same(all.lines, ['1 starting->up A', '2 up->down W'])
  const any = run(mk({ checks: two, combine: 'any', holdDownMs: 0 }), [[0, ok(0)], [1, fail(1)], [2, fail(0)], [3, ok(1)]])
  t.same(any.lines, ['0 starting->up A', '2 up->down W', '3 down->up A'])
})

t.test('no duplicate emissions: repeated verdicts and MEDs; a MED change while withdrawn is silent', async (t) => {
  const cfg = mk({ checks: [{ name: 'dig', kind: 'exec', rise: 1, fall: 1 }] })
  let { s } = startService(cfg, 0)
  const seen: ServiceChange[] = []
  const script: ServiceEvent[] = [ok(), ok(), ok(), { type: 'med', med: 100 }, { type: 'med', med: 50 }, { type: 'med', med: 50 }, fail(), fail(), { type: 'med', med: 70 }, TIMER]
  script.forEach((ev, i) => {
    const r = stepService(cfg, s, ev, i)
    s = r.s
    seen.push(...r.changes)
  })
  t.same(seen.map((c) => `${c.from}->${c.to} ${c.reason.kind} med=${c.announcement.med}`), [
    'starting->up check med=100',
    'up->up dynamic-med med=50',
    'up->down check med=50',
  ])
})

t.test('instance large community from the config, and machine config from the effective config', async (t) => {
  const text = 'router-id: 192.0.2.11\nlocal-as: 65011\ninstance-id: 7\nneighbors:\n  - { address: 192.0.2.1, remote-as: 65000 }\nservices:\n  - name: web\n    prefixes: [198.51.100.80/32]\n    check: { tcp: "127.0.0.1:80" }\n    large-communities: ["65011:1:2"]\n'
  const { config } = parseConfigText(text, 'x.yaml')
  const cfg = serviceMachineConfig(config.services[0]!, [config.localAs, config.instanceId!, 0])
  t.same(cfg.checks, [{ name: 'tcp#0', kind: 'tcp', rise: 3, fall: 2 }])
  t.same(cfg.attributes.largeCommunities, [[65011, 1, 2], [65011, 7, 0]])
})

t.test('verdict for an unknown check index is ignored', async (t) => {
  const cfg = mk()
  const { s } = startService(cfg, 0)
  t.same(stepService(cfg, s, ok(9), 1).changes, [])
})

t.test('a verdict arriving after a deadline: the time-driven change comes first, with its own reason', async (t) => {
  const cfg = mk({ checks: [{ name: 'dig', kind: 'exec', rise: 1, fall: 1 }] })
  const r = run(cfg, [[0, ok()], [100, fail()], [200, ok()], [20_000, ok()]])
  t.same(r.changes.slice(1).map((c) => `${c.atMs} ${c.from}->${c.to} ${c.reason.kind}`), ['0 starting->up check', '100 up->down check', '20000 down->up hold-down'])
  const d = run(cfg, [[0, ok()], [10, { type: 'maintenance', on: true, source: 'admin' }], [40_000, fail()]])
  t.same(d.changes.slice(1).map((c) => `${c.from}->${c.to} ${c.reason.kind}`), ['starting->up check', 'up->draining maintenance', 'draining->maintenance drain-period'])
})

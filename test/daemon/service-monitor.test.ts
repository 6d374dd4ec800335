/** ServiceMonitor (runner + state machine + deadline timer) and DynamicMed, with real short timers on local files only. */
import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ServiceMonitor } from '../../src/daemon/service-monitor.js'
import { DynamicMed } from '../../src/daemon/dynamic-med.js'
import type { CheckConfig } from '../../src/daemon/config/types.js'
import type { ServiceChange, ServiceMachineConfig } from '../../src/daemon/service-state.js'

const tmp = mkdtempSync(join(tmpdir(), 'tsbgp-monitor-'))
t.teardown(() => rmSync(tmp, { recursive: true, force: true }))

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms
  while (Date.now() < end && !cond()) await sleep(5)
  return cond()
}

t.test('monitor: hold-down and drain deadlines fire from the timer; admin drain; dynamic MED', async (t) => {
  let healthy = true
  const checks: CheckConfig[] = [{ name: 'fake', spec: { kind: 'exec', command: 'unused' }, intervalMs: 20, fastIntervalMs: 10, timeoutMs: 20, rise: 1, fall: 1 }]
  const machine: ServiceMachineConfig = {
    name: 'svc', checks: [{ name: 'fake', kind: 'exec', rise: 1, fall: 1 }], combine: 'all',
    attributes: { med: 100, localPref: null, prepend: null, communities: [], largeCommunities: [] },
    onFailure: { action: 'withdraw' }, announceOnStart: false, holdDownMs: 80,
    drain: { periodMs: 60, localPref: 0, prepend: null, communities: [] },
  }
  const m = new ServiceMonitor(machine, checks, { probeFor: () => async () => ({ ok: healthy, detail: healthy ? 'fine' : 'broken' }) })
  const seen: ServiceChange[] = []
  m.on('change', (c) => seen.push(c))
  m.start()
  m.start() // idempotent
  t.ok(await waitFor(() => m.state?.state === 'up', 1000), 'up')
  healthy = false
  t.ok(await waitFor(() => m.state?.state === 'down', 1000), 'down')
  const downAt = performance.now()
  healthy = true
  t.ok(await waitFor(() => m.state?.state === 'up', 1000), 'up again')
  const held = performance.now() - downAt
  t.ok(held >= 70, `held down ${held.toFixed(0)} ms (hold-down 80 ms)`)
  t.equal(seen.at(-1)!.reason.kind, 'hold-down', 'brought back by the deadline timer')

  m.setMed(7)
  t.equal(seen.at(-1)!.announcement.med, 7)
  m.maintenance(true, 'admin')
  t.equal(m.state?.state, 'draining')
  t.ok(await waitFor(() => m.state?.state === 'maintenance', 1000), 'drain period over')
  t.equal(seen.at(-1)!.reason.kind, 'drain-period')
  m.maintenance(false, 'admin')
  t.equal(m.state?.state, 'up')
  await m.stop()
  t.same(seen.map((c) => c.to), ['starting', 'up', 'down', 'up', 'up', 'draining', 'maintenance', 'up'])
})

t.test('dynamic MED from a file and from a command; bad values revert to the configured MED', async (t) => {
  const file = join(tmp, 'med')
  writeFileSync(file, '250\n')
  const got: Array<[number | null, string]> = []
  const d = new DynamicMed({ command: null, file, intervalMs: 1000 }, (med, detail) => got.push([med, detail]))
  await d.readOnce()
  await d.readOnce()
  writeFileSync(file, 'lots')
  await d.readOnce()
  rmSync(file)
  await d.readOnce()
  t.same(got, [[250, `${file}: 250`], [null, `${file}: not a MED: "lots"`]], 'reported only on change')

  const out: Array<number | null> = []
  const c = new DynamicMed({ command: 'echo 42', file: null, intervalMs: 1000 }, (med) => out.push(med))
  c.start()
  t.ok(await waitFor(() => out.length === 1, 2000))
  await c.stop()
  t.same(out, [42])
  const bad: string[] = []
  const f = new DynamicMed({ command: 'exit 3', file: null, intervalMs: 1000 }, (_m, detail) => bad.push(detail))
  await f.readOnce()
  t.same(bad, ['exit 3: exit 3'])
})

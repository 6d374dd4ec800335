// The anycast cluster with tsbgp on every server and FRR 8 (bgpd + zebra:
// kernel ECMP through zebra, GSHUT route-map) as the border router:
// scenarios 1, 2, 3a, 3b, 4, 5, 6, 7 of issue #6 (interop/lab/scenarios.ts).
// Needs root, iproute2, frr: a missing one is a failure, not a skip.
//
// Traffic: lab namespaces only, documentation ranges only.

import t from 'tap'
import {
  assertTornDown, ipv6LabOptions, Results, scenario, scenarioAllHealthy, scenarioCrash, scenarioDrain, scenarioIpv6As4,
  scenarioLocalPref, scenarioMedPrepend, scenarioServiceFailure, scenarioTwoClouds, startLab,
} from '../lab/scenarios.js'

const results = new Results('frr')

t.test('FRR router, 3 tsbgp servers over IPv4 sessions: scenarios 1, 2, 3a, 4, 5, 6', async (t) => {
  const lab = await startLab(t, { kind: 'frr', servers: 3, client: true, transport: 'ipv4' })
  await scenario(t, results, '1', 'all healthy', async (t, times, note) => { await scenarioAllHealthy(t, lab, times, note) })
  await scenario(t, results, '2', 'service failure and restore', async (t, times, note) => { await scenarioServiceFailure(t, lab, times, note) })
  await scenario(t, results, '3a', 'MED and AS-path prepend', async (t, times, note) => { await scenarioMedPrepend(t, lab, times, note) })
  await scenario(t, results, '4', 'graceful drain (GSHUT, make-before-break)', async (t, times, note) => { await scenarioDrain(t, lab, times, note) })
  await scenario(t, results, '5', 'crash (SIGKILL, SIGSTOP) and restart', async (t, times, note) => { await scenarioCrash(t, lab, times, note) })
  await scenario(t, results, '6', 'two clouds, independent failures', async (t, times, note) => { await scenarioTwoClouds(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('FRR router, 2 tsbgp servers over iBGP: scenario 3 LOCAL_PREF', async (t) => {
  const lab = await startLab(t, { kind: 'frr', servers: 2, client: false, transport: 'ipv4', routerAs: 65000, serverAs: 65000, knobs: (i) => ({ localPref: i === 0 ? 200 : 100 }) })
  await scenario(t, results, '3b', 'LOCAL_PREF via iBGP', async (t, times, note) => { await scenarioLocalPref(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('FRR router, IPv6 sessions, 4-octet AS: scenario 7', async (t) => {
  const lab = await startLab(t, ipv6LabOptions('frr'))
  await scenario(t, results, '7', 'IPv6 transport, 4-octet AS, communities', async (t, times, note) => { await scenarioIpv6As4(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('summary', async (t) => {
  t.ok(results.rows.length > 0, `results in ${results.file}`)
  t.comment(`\n${results.table()}`)
})

// The anycast cluster with tsbgp on every server and GoBGP 3 as the border
// router: scenarios 1, 2, 3a, 3b, 5, 6, 7 of issue #6 (interop/lab/scenarios.ts).
// gobgpd runs without zebra, so it is RIB-only: it programs no kernel route,
// the kernel-ECMP and client data-plane checks are replaced by checks on its
// RIB (each scenario says so in its output), and scenario 4, which is about
// the data plane, is not run here. The GSHUT import policy is in its config.
// Needs root, iproute2, gobgpd: a missing one is a failure, not a skip.
//
// Traffic: lab namespaces only, documentation ranges only.

import t from 'tap'
import {
  assertTornDown, ipv6LabOptions, Results, scenario, scenarioAllHealthy, scenarioCrash, scenarioIpv6As4,
  scenarioLocalPref, scenarioMedPrepend, scenarioServiceFailure, scenarioTwoClouds, startLab,
} from '../lab/scenarios.js'

const results = new Results('gobgp')

t.test('GoBGP router, 3 tsbgp servers over IPv4 sessions: scenarios 1, 2, 3a, 5, 6', async (t) => {
  const lab = await startLab(t, { kind: 'gobgp', servers: 3, client: false, transport: 'ipv4' })
  await scenario(t, results, '1', 'all healthy', async (t, times, note) => { await scenarioAllHealthy(t, lab, times, note) })
  await scenario(t, results, '2', 'service failure and restore', async (t, times, note) => { await scenarioServiceFailure(t, lab, times, note) })
  await scenario(t, results, '3a', 'MED and AS-path prepend', async (t, times, note) => { await scenarioMedPrepend(t, lab, times, note) })
  await scenario(t, results, '5', 'crash (SIGKILL, SIGSTOP) and restart', async (t, times, note) => { await scenarioCrash(t, lab, times, note) })
  await scenario(t, results, '6', 'two clouds, independent failures', async (t, times, note) => { await scenarioTwoClouds(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('GoBGP router, 2 tsbgp servers over iBGP: scenario 3 LOCAL_PREF', async (t) => {
  const lab = await startLab(t, { kind: 'gobgp', servers: 2, client: false, transport: 'ipv4', routerAs: 65000, serverAs: 65000, knobs: (i) => ({ localPref: i === 0 ? 200 : 100 }) })
  await scenario(t, results, '3b', 'LOCAL_PREF via iBGP', async (t, times, note) => { await scenarioLocalPref(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('GoBGP router, IPv6 sessions, 4-octet AS: scenario 7', async (t) => {
  const lab = await startLab(t, { ...ipv6LabOptions('gobgp'), client: false })
  await scenario(t, results, '7', 'IPv6 transport, 4-octet AS, communities', async (t, times, note) => { await scenarioIpv6As4(t, lab, times, note) })
  await assertTornDown(t, lab)
})

t.test('summary', async (t) => {
  t.ok(results.rows.length > 0, `results in ${results.file}`)
  t.comment(`\n${results.table()}`)
})

// The anycast cluster with tsbgp on every server and FRR 8 (bgpd + zebra:
// kernel ECMP through zebra, GSHUT route-map) as the border router:
// scenarios 1–7 of issue #6 (interop/lab/scenarios.ts routerSuite).
// Needs root, iproute2, frr: a missing one is a failure, not a skip.
//
// Traffic: lab namespaces only, documentation ranges only.

import t from 'tap'
import { routerSuite } from '../lab/scenarios.js'

routerSuite(t, 'frr', { dataPlane: true })

// The anycast cluster with tsbgp on every server and BIRD 2 as the border
// router (kernel ECMP through BIRD's kernel protocol, GSHUT import policy):
// scenarios 1–7 of issue #6 (interop/lab/scenarios.ts routerSuite). Needs root,
// iproute2, bird2: a missing one is a failure, not a skip.
//
// Traffic: lab namespaces only, documentation ranges only.

import t from 'tap'
import { routerSuite } from '../lab/scenarios.js'

routerSuite(t, 'bird', { dataPlane: true })

// The anycast cluster with tsbgp on every server and GoBGP 3 as the border
// router: scenarios 1, 2, 3a, 3b, 5, 6, 7 of issue #6 (interop/lab/scenarios.ts
// routerSuite). gobgpd runs without zebra, so it is RIB-only: it programs no
// kernel route, the kernel-ECMP and client data-plane checks are replaced by
// checks on its RIB (each scenario says so in its output), and scenario 4,
// which is about the data plane, is not run here. The GSHUT import policy is in
// its config. Needs root, iproute2, gobgpd: a missing one is a failure, not a skip.
//
// Traffic: lab namespaces only, documentation ranges only.

import t from 'tap'
import { routerSuite } from '../lab/scenarios.js'

routerSuite(t, 'gobgp', { dataPlane: false })

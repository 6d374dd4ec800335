/**
 * RFC 6793 §4.2.3 reconciliation of AS_PATH/AS4_PATH and AGGREGATOR/AS4_AGGREGATOR, as a table.
 */
import t from 'tap'
import { asPathCount, reconcileAs4 } from '../../src/wire/as4.js'
import type { AsPathSegment, PathAttributes } from '../../src/wire/types.js'

const T = 23456 // AS_TRANS
const SET = (...asns: number[]): AsPathSegment => ({ type: 1, asns })
const SEQ = (...asns: number[]): AsPathSegment => ({ type: 2, asns })
const CSEQ = (...asns: number[]): AsPathSegment => ({ type: 3, asns })
const CSET = (...asns: number[]): AsPathSegment => ({ type: 4, asns })
const agg = (asn: number) => ({ asn, address: '192.0.2.1' })

const cases: Array<{ name: string; in: PathAttributes; asPath: AsPathSegment[] | undefined; aggregator?: { asn: number; address: string } }> = [
  { name: 'no AS4_PATH: AS_PATH as is', in: { asPath: [SEQ(65001, 65002)] }, asPath: [SEQ(65001, 65002)] },
  { name: 'no AS_PATH', in: { as4Path: [SEQ(4200000001)] }, asPath: undefined },
  {
    name: 'AS_TRANS placeholders replaced',
    in: { asPath: [SEQ(65001, T, T)], as4Path: [SEQ(4200000001, 4200000002)] },
    asPath: [SEQ(65001, 4200000001, 4200000002)],
  },
  {
    name: 'same count: AS4_PATH wins entirely',
    in: { asPath: [SEQ(T)], as4Path: [SEQ(4200000001)] },
    asPath: [SEQ(4200000001)],
  },
  {
    name: 'AS_PATH shorter than AS4_PATH: AS4_PATH ignored',
    in: { asPath: [SEQ(65001)], as4Path: [SEQ(4200000001, 4200000002)] },
    asPath: [SEQ(65001)],
  },
  {
    name: 'AGGREGATOR with a real 2-octet ASN: AS4_PATH and AS4_AGGREGATOR ignored',
    in: { asPath: [SEQ(65001, T)], as4Path: [SEQ(4200000001)], aggregator: agg(65001), as4Aggregator: agg(4200000001) },
    asPath: [SEQ(65001, T)],
    aggregator: agg(65001),
  },
  {
    name: 'AGGREGATOR AS_TRANS: AS4_AGGREGATOR replaces it, paths merged',
    in: { asPath: [SEQ(T, T)], as4Path: [SEQ(4200000001, 4200000002)], aggregator: agg(T), as4Aggregator: agg(4200000002) },
    asPath: [SEQ(4200000001, 4200000002)],
    aggregator: agg(4200000002),
  },
  {
    name: 'AS4_AGGREGATOR without AGGREGATOR is not used',
    in: { asPath: [SEQ(65001)], as4Aggregator: agg(4200000002) },
    asPath: [SEQ(65001)],
    aggregator: undefined,
  },
  {
    name: 'an AS_SET counts as one AS number',
    in: { asPath: [SEQ(65001, T), SET(3, 4)], as4Path: [SEQ(4200000001), SET(3, 4)] },
    asPath: [SEQ(65001, 4200000001), SET(3, 4)],
  },
  {
    name: 'leading confederation segment is prepended (counts 0)',
    in: { asPath: [CSEQ(64512), SEQ(65001, T)], as4Path: [SEQ(65001, 4200000001)] },
    asPath: [CSEQ(64512), SEQ(65001, 4200000001)],
  },
  {
    name: 'confederation segment adjacent to a prepended segment is prepended',
    in: { asPath: [SEQ(65001), CSET(64512, 64513), SEQ(T)], as4Path: [SEQ(4200000001)] },
    asPath: [SEQ(65001), CSET(64512, 64513), SEQ(4200000001)],
  },
  {
    name: 'confederation segments in AS4_PATH are discarded (RFC 6793 §6)',
    in: { asPath: [SEQ(65001, T)], as4Path: [CSEQ(1), SEQ(4200000001)] },
    asPath: [SEQ(65001, 4200000001)],
  },
  {
    name: 'longer AS_PATH: leading ASNs of a cut segment kept',
    in: { asPath: [SEQ(65001, 65002, T, 65003)], as4Path: [SEQ(4200000001, 65003)] },
    asPath: [SEQ(65001, 65002, 4200000001, 65003)],
  },
]

t.test('reconcileAs4 table (RFC 6793 §4.2.3)', async (t) => {
  for (const c of cases) {
    const before = JSON.stringify(c.in)
    const r = reconcileAs4(c.in)
    t.same(r.asPath, c.asPath, `${c.name}: asPath`)
    t.same(r.aggregator, 'aggregator' in c ? c.aggregator : c.in.aggregator, `${c.name}: aggregator`)
    t.equal(JSON.stringify(c.in), before, `${c.name}: input unchanged`)
  }
})

t.test('asPathCount: SET counts 1, confederation segments 0', async (t) => {
  t.equal(asPathCount([SEQ(1, 2, 3), SET(4, 5), CSEQ(6), CSET(7)]), 4)
})

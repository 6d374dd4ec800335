/**
 * OPEN validation (RFC 4271 §6.2, RFC 5492 §3, RFC 6286 §2.2, RFC 9234 §4.2): each fault and the
 * NOTIFICATION code / subcode / data it yields.
 */
import t from 'tap'
import type { Capability, Open } from '../../src/wire/types.js'
import type { SessionConfigInput } from '../../src/session/config.js'
import { validateOpen } from '../../src/session/open-validate.js'
import { cfgOf, LOCAL_ID, peerOpen } from './helpers.js'

const mp = (afi: number, safi: number): Capability => ({ code: 1, afi, safi })
const as4 = (asn: number): Capability => ({ code: 65, asn })
const role = (r: number): Capability => ({ code: 9, role: r })
const PROVIDER = 0
const RS = 1
const RS_CLIENT = 2
const CUSTOMER = 3
const PEER = 4

interface Case {
  name: string
  cfg?: Partial<SessionConfigInput>
  open: Open
  /** "code/subcode data-hex", or null when valid. */
  want: string | null
}

const withParams = (o: Open, params: Open['params']): Open => ({ ...o, params })

const cases: Case[] = [
  { name: 'valid eBGP OPEN', open: peerOpen(), want: null },
  // §6.2 version: "The Data field is a 2-octet unsigned integer, which indicates the largest, locally-supported version number"
  { name: 'version 3', open: peerOpen({ version: 3 }), want: '2/1 0004' },
  { name: 'version 5', open: peerOpen({ version: 5 }), want: '2/1 0004' },
  { name: 'peer AS differs', open: peerOpen({ asn: 65003 }), want: '2/2 ' },
  { name: '4-octet peer AS via capability', cfg: { remoteAs: 4200000000 }, open: peerOpen({ asn: 4200000000 }), want: null },
  {
    name: '4-octet peer AS without the capability reads AS_TRANS',
    cfg: { remoteAs: 4200000000 },
    open: peerOpen({ asn: 4200000000, capabilities: [mp(1, 1)] }),
    want: '2/2 ',
  },
  { name: 'dynamic peer: AS in range', cfg: { remoteAs: { min: 65000, max: 65010 } }, open: peerOpen({ asn: 65005 }), want: null },
  { name: 'dynamic peer: AS out of range', cfg: { remoteAs: { min: 65000, max: 65010 } }, open: peerOpen({ asn: 65011 }), want: '2/2 ' },
  { name: 'dynamic peer: AS in list', cfg: { remoteAs: [65002, 65009] }, open: peerOpen({ asn: 65009 }), want: null },
  { name: 'dynamic peer: AS not in list', cfg: { remoteAs: [65002, 65009] }, open: peerOpen({ asn: 65003 }), want: '2/2 ' },
  { name: 'hold time 1', open: peerOpen({ holdTime: 1 }), want: '2/6 ' },
  { name: 'hold time 2', open: peerOpen({ holdTime: 2 }), want: '2/6 ' },
  { name: 'hold time 0 accepted', open: peerOpen({ holdTime: 0 }), want: null },
  { name: 'hold time 3 accepted', open: peerOpen({ holdTime: 3 }), want: null },
  { name: 'BGP Identifier zero', open: peerOpen({ bgpId: '0.0.0.0' }), want: '2/3 ' },
  { name: 'eBGP peer with our BGP Identifier (RFC 6286)', open: peerOpen({ bgpId: LOCAL_ID }), want: null },
  { name: 'iBGP peer with our BGP Identifier', cfg: { remoteAs: 65001 }, open: peerOpen({ asn: 65001, bgpId: LOCAL_ID }), want: '2/3 ' },
  {
    name: 'iBGP discovered through a range that holds our AS',
    cfg: { remoteAs: { min: 65000, max: 65005 } },
    open: peerOpen({ asn: 65001, bgpId: LOCAL_ID }),
    want: '2/3 ',
  },
  { name: 'iBGP peer with another identifier', cfg: { remoteAs: 65001 }, open: peerOpen({ asn: 65001 }), want: null },
  {
    name: 'unknown optional parameter type',
    open: withParams(peerOpen(), [...peerOpen().params, { type: 3, raw: Buffer.from([1, 2]) }]),
    want: '2/4 ',
  },
  {
    name: 'deprecated authentication parameter',
    open: withParams(peerOpen(), [{ type: 1, raw: Buffer.from([0]) }]),
    want: '2/4 ',
  },
  {
    name: 'malformed 4-octet AS capability',
    open: withParams(peerOpen(), [{ type: 2, capabilities: [mp(1, 1), { code: 65, raw: Buffer.from([0, 1]) }] }]),
    want: '2/0 ',
  },
  {
    name: 'malformed FQDN capability is ignored',
    open: withParams(peerOpen(), [{ type: 2, capabilities: [mp(1, 1), as4(65002), { code: 73, raw: Buffer.from([9]) }] }]),
    want: null,
  },
  // RFC 5492 §3: the Data field carries the capabilities, encoded as in an OPEN.
  {
    name: 'required 4-octet AS missing',
    cfg: { capabilities: { required: [65] } },
    open: peerOpen({ capabilities: [mp(1, 1)] }),
    want: '2/7 41040000fde9', // code 65, length 4, AS 65001
  },
  {
    name: 'required family missing (peer has IPv4 only)',
    cfg: { capabilities: { families: [[1, 1], [2, 1]], required: [1] } },
    open: peerOpen(),
    want: '2/7 010400020001', // code 1, length 4, AFI 2, reserved, SAFI 1
  },
  {
    name: 'required family present',
    cfg: { capabilities: { families: [[1, 1], [2, 1]], required: [1] } },
    open: peerOpen({ capabilities: [mp(1, 1), mp(2, 1), as4(65002)] }),
    want: null,
  },
  {
    name: 'required route refresh missing',
    cfg: { capabilities: { required: [2] } },
    open: peerOpen({ capabilities: [mp(1, 1), as4(65002)] }),
    want: '2/7 0200',
  },
  {
    name: 'required code we do not advertise: empty value',
    cfg: { capabilities: { required: [6] } },
    open: peerOpen(),
    want: '2/7 0600',
  },
  // RFC 9234 §4.2 Table 2
  ...(
    [
      [PROVIDER, CUSTOMER, true],
      [CUSTOMER, PROVIDER, true],
      [RS, RS_CLIENT, true],
      [RS_CLIENT, RS, true],
      [PEER, PEER, true],
      [PROVIDER, PROVIDER, false],
      [PROVIDER, PEER, false],
      [CUSTOMER, CUSTOMER, false],
      [RS, RS, false],
      [PEER, CUSTOMER, false],
      [RS_CLIENT, PROVIDER, false],
    ] as const
  ).map(
    ([local, remote, ok]): Case => ({
      name: `role ${local} with peer role ${remote}`,
      cfg: { capabilities: { role: { role: local } } },
      open: peerOpen({ capabilities: [mp(1, 1), as4(65002), role(remote)] }),
      want: ok ? null : '2/11 ',
    }),
  ),
  { name: 'role, peer sends none, lenient', cfg: { capabilities: { role: { role: PEER } } }, open: peerOpen(), want: null },
  { name: 'role, peer sends none, strict', cfg: { capabilities: { role: { role: PEER, strict: true } } }, open: peerOpen(), want: '2/11 ' },
  {
    name: 'conflicting roles from the peer',
    cfg: { capabilities: { role: { role: PEER } } },
    open: peerOpen({ capabilities: [mp(1, 1), as4(65002), role(PEER), role(CUSTOMER)] }),
    want: '2/11 ',
  },
  {
    name: 'repeated identical role is one role',
    cfg: { capabilities: { role: { role: PEER } } },
    open: peerOpen({ capabilities: [mp(1, 1), as4(65002), role(PEER), role(PEER)] }),
    want: null,
  },
  { name: 'no role configured ignores the peer role', open: peerOpen({ capabilities: [mp(1, 1), role(CUSTOMER)] }), want: null },
  // First fault wins, in §6.2 order.
  { name: 'version before AS', open: peerOpen({ version: 3, asn: 1 }), want: '2/1 0004' },
  { name: 'AS before hold time', open: peerOpen({ asn: 1, holdTime: 1 }), want: '2/2 ' },
]

for (const c of cases) {
  const err = validateOpen(c.open, cfgOf(c.cfg))
  const got = err === null ? null : `${err.code}/${err.subcode} ${err.data.toString('hex')}`
  t.equal(got, c.want, c.name)
}

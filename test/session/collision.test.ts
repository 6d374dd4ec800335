/** Connection collision resolution (RFC 4271 §6.8, RFC 6286 §2.3). */
import t from 'tap'
import { resolveCollision, type CollisionInput } from '../../src/session/collision.js'

const base: CollisionInput = {
  newState: 'OpenConfirm',
  newDirection: 'incoming',
  otherState: 'OpenConfirm',
  localBgpId: '10.0.0.1',
  remoteBgpId: '10.0.0.2',
  localAs: 65001,
  remoteAs: 65002,
}

const cases: Array<[string, Partial<CollisionInput>, 'outgoing' | 'incoming' | null]> = [
  ['local id lower: keep the connection the peer initiated', {}, 'outgoing'],
  ['local id lower, OPEN seen on the outgoing one first: same verdict', { newDirection: 'outgoing' }, 'outgoing'],
  ['local id higher: keep ours', { localBgpId: '10.0.0.3' }, 'incoming'],
  ['compared as unsigned 32-bit numbers, not text', { localBgpId: '9.0.0.0', remoteBgpId: '10.0.0.0' }, 'outgoing'],
  ['high bit set', { localBgpId: '200.0.0.1', remoteBgpId: '100.0.0.1' }, 'incoming'],
  ['other connection still in Connect: nothing to resolve', { otherState: 'Connect' }, null],
  ['other connection in Active', { otherState: 'Active' }, null],
  ['other connection Idle', { otherState: 'Idle' }, null],
  ['other in OpenSent, not examined by default', { otherState: 'OpenSent' }, null],
  ['other in OpenSent, examined when the id is known', { otherState: 'OpenSent', examineOpenSent: true }, 'outgoing'],
  ['other Established: close the new one', { otherState: 'Established', localBgpId: '10.0.0.9' }, 'incoming'],
  ['other Established, new is outgoing', { otherState: 'Established', newDirection: 'outgoing' }, 'outgoing'],
  ['CollisionDetectEstablishedState: compare ids', { otherState: 'Established', collisionDetectEstablishedState: true }, 'outgoing'],
  ['RFC 6286: equal ids, larger local AS keeps ours', { remoteBgpId: '10.0.0.1', localAs: 65009 }, 'incoming'],
  ['RFC 6286: equal ids, larger remote AS keeps theirs', { remoteBgpId: '10.0.0.1' }, 'outgoing'],
  ['equal ids and AS: close the new one', { remoteBgpId: '10.0.0.1', remoteAs: 65001 }, 'incoming'],
]

for (const [name, o, want] of cases) {
  t.equal(resolveCollision({ ...base, ...o }).close, want, name)
}

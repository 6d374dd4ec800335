/**
 * Connection collision detection, RFC 4271 §6.8 (with RFC 6286 §2.3 for equal BGP Identifiers).
 * A pure decision for the peer object, which owns up to two FSMs (one per TCP connection, §8.2.1):
 * when one of them receives an OPEN, it asks which connection to close and sends that FSM
 * OpenCollisionDump (Event 23).
 *
 *   "If two BGP speakers try to establish a BGP connection with each other simultaneously, then
 *   two parallel connections well be formed. ... Upon receipt of an OPEN message, the local
 *   system MUST examine all of its connections that are in the OpenConfirm state. A BGP speaker
 *   MAY also examine connections in an OpenSent state if it knows the BGP Identifier of the peer
 *   by means outside of the protocol."
 */
import { ipv4ToNumber } from '../wire/address.js'
import type { FsmStateName } from './state.js'

export type ConnectionDirection = 'outgoing' | 'incoming'

export interface CollisionInput {
  /** State of the connection that just received the OPEN (OpenConfirm after accepting it). */
  newState: FsmStateName
  newDirection: ConnectionDirection
  /** State of the other connection to the same peer. */
  otherState: FsmStateName
  localBgpId: string
  remoteBgpId: string
  localAs: number
  remoteAs: number
  /** CollisionDetectEstablishedState (§8.1.1). */
  collisionDetectEstablishedState?: boolean
  /** We know the peer's BGP Identifier for a connection still in OpenSent (§6.8 "MAY"). */
  examineOpenSent?: boolean
}

export type CollisionVerdict =
  /** No collision to resolve: the other connection is not far enough along. */
  | { close: null }
  | { close: ConnectionDirection; reason: string }

export function resolveCollision(i: CollisionInput): CollisionVerdict {
  // "Unless allowed via configuration, a connection collision with an existing BGP connection
  // that is in the Established state causes closing of the newly created connection."
  if (i.otherState === 'Established' && !i.collisionDetectEstablishedState) {
    return { close: i.newDirection, reason: 'the other connection is Established' }
  }
  const examined =
    i.otherState === 'OpenConfirm' ||
    i.otherState === 'Established' ||
    (i.otherState === 'OpenSent' && i.examineOpenSent === true)
  if (!examined) return { close: null }

  // "1) The BGP Identifier of the local system is compared to the BGP Identifier of the remote
  // system (as specified in the OPEN message). Comparing BGP Identifiers is done by converting
  // them to host byte order and treating them as 4-octet unsigned integers.
  // 2) If the value of the local BGP Identifier is less than the remote one, the local system
  // closes the BGP connection that already exists (the one that is already in the OpenConfirm
  // state), and accepts the BGP connection initiated by the remote system.
  // 3) Otherwise, the local system closes the newly created BGP connection (the one associated
  // with the newly received OPEN message), and continues to use the existing one (the one that
  // is already in the OpenConfirm state)."
  // The rule is symmetric in who initiated: the speaker with the higher identifier keeps the
  // connection it initiated. We apply it that way, so both ends close the same connection
  // whichever OPEN each of them saw first.
  const local = ipv4ToNumber(i.localBgpId)
  const remote = ipv4ToNumber(i.remoteBgpId)
  let keepOurs: boolean
  if (local !== remote) keepOurs = local > remote
  else {
    // RFC 6286 §2.3: "If the BGP Identifiers of the peers involved in the connection collision
    // are identical, then the connection initiated by the BGP speaker with the larger AS number
    // is preserved."
    if (i.localAs === i.remoteAs) return { close: i.newDirection, reason: 'identical BGP Identifiers and AS numbers' }
    keepOurs = i.localAs > i.remoteAs
  }
  const close: ConnectionDirection = keepOurs ? 'incoming' : 'outgoing'
  return {
    close,
    reason: keepOurs
      ? `local ${i.localBgpId} wins over ${i.remoteBgpId}: keep the connection we initiated`
      : `remote ${i.remoteBgpId} wins over ${i.localBgpId}: keep the connection it initiated`,
  }
}

/**
 * The session log catalog: every line a peer logs is one of these typed events (as holo's
 * debug.rs), so log consumers can rely on field names. The FSM and Peer emit events; this edge
 * turns them into pino lines. RFC 4271 §8.2.1.4 leaves the FSM's management interface to the
 * implementation; we log each transition with the RFC 4271 §8.1 event that caused it.
 *
 *   transition     {peer, peerAs, connection, from, to, fsmEvent, reason}          info (debug below OpenSent)
 *   established    {peer, peerAs, connection, holdTimeSec, keepaliveSec, families, as4, ...}  info
 *   notification   {peer, peerAs, connection, direction: sent|received, code, subcode, name, message?, hardReset?}  warn
 *   collision      {peer, peerAs, close, reason}                                   info
 *   routes-deleted {peer, peerAs, graceful}                                        info
 *   peer-warning   {peer, peerAs, detail}                                          warn
 *   peer-error     {peer, peerAs, err}                                             error
 */
import type { Logger } from 'pino'
import type { NotificationInfo } from './actions.js'
import type { ConnectionDirection } from './collision.js'
import type { NegotiatedSession } from './negotiate.js'
import type { Peer, PeerStateChange } from './peer.js'
import type { FsmStateName } from './state.js'

export type SessionLogEvent =
  | { event: 'transition'; connection: ConnectionDirection; from: FsmStateName; to: FsmStateName; fsmEvent: string; reason: string }
  | {
      event: 'established'
      connection: ConnectionDirection
      holdTimeSec: number
      keepaliveSec: number
      families: string[]
      as4: boolean
      addPathRx: string[]
      addPathTx: string[]
      extendedMessage: boolean
      gracefulRestart: boolean
    }
  | {
      event: 'notification'
      connection: ConnectionDirection
      direction: 'sent' | 'received'
      code: number
      subcode: number
      name: string
      data: string
      message?: string
      hardReset?: string
    }
  | { event: 'collision'; close: ConnectionDirection; reason: string }
  | { event: 'routes-deleted'; graceful: boolean }
  | { event: 'peer-warning'; detail: string }
  | { event: 'peer-error'; err: Error }

/** A child logger carrying the peer's identity on every line. */
export function peerLogger(root: Logger, peer: string, peerAs: number | string): Logger {
  return root.child({ peer, peerAs })
}

const fam = (f: readonly (readonly [number, number])[]): string[] => f.map(([a, s]) => `${a}/${s}`)

export function transitionEvent(c: PeerStateChange): SessionLogEvent {
  return { event: 'transition', connection: c.connection, from: c.from, to: c.to, fsmEvent: c.event, reason: c.reason }
}

export function establishedEvent(n: NegotiatedSession, connection: ConnectionDirection): SessionLogEvent {
  return {
    event: 'established',
    connection,
    holdTimeSec: n.holdTimeSec,
    keepaliveSec: n.keepaliveSec,
    families: fam(n.families),
    as4: n.as4,
    addPathRx: fam(n.addPathRx),
    addPathTx: fam(n.addPathTx),
    extendedMessage: n.extendedMessage,
    gracefulRestart: n.gracefulRestart !== null,
  }
}

export function notificationEvent(n: NotificationInfo, direction: 'sent' | 'received', connection: ConnectionDirection): SessionLogEvent {
  const e: SessionLogEvent = {
    event: 'notification',
    connection,
    direction,
    code: n.code,
    subcode: n.subcode,
    name: n.name,
    data: n.data.toString('hex'),
  }
  if (n.message !== undefined) e.message = n.message
  if (n.hardReset !== undefined) e.hardReset = n.hardReset.name
  return e
}

/** Write one catalog event at its level, with a short human message. */
export function logSessionEvent(log: Logger, e: SessionLogEvent): void {
  switch (e.event) {
    case 'transition': {
      const quiet = e.to === 'Connect' || e.to === 'Active' || (e.to === 'Idle' && e.from !== 'Established')
      log[quiet ? 'debug' : 'info'](e, `${e.connection} ${e.from} -> ${e.to} (${e.fsmEvent}): ${e.reason}`)
      return
    }
    case 'established':
      log.info(e, `session established (${e.connection}), hold ${e.holdTimeSec}s, families ${e.families.join(',')}`)
      return
    case 'notification': {
      const text = e.message === undefined ? '' : ` "${e.message}"`
      log.warn(e, `NOTIFICATION ${e.direction} ${e.name}${text}${e.hardReset ? ` (hard reset: ${e.hardReset})` : ''}`)
      return
    }
    case 'collision':
      log.info(e, `connection collision: closing the ${e.close} connection (${e.reason})`)
      return
    case 'routes-deleted':
      log.info(e, e.graceful ? 'peer routes kept as stale (graceful restart)' : 'peer routes deleted')
      return
    case 'peer-warning':
      log.warn(e, e.detail)
      return
    case 'peer-error':
      log.error(e, e.err.message)
  }
}

/** Log everything a Peer emits on `log` (use peerLogger for the child). Returns the detach function. */
export function attachPeerLogging(peer: Peer, log: Logger): () => void {
  const on = {
    stateChange: (c: PeerStateChange) => logSessionEvent(log, transitionEvent(c)),
    established: (n: NegotiatedSession, c: ConnectionDirection) => logSessionEvent(log, establishedEvent(n, c)),
    notificationSent: (n: NotificationInfo, c: ConnectionDirection) => logSessionEvent(log, notificationEvent(n, 'sent', c)),
    notificationReceived: (n: NotificationInfo, c: ConnectionDirection) => logSessionEvent(log, notificationEvent(n, 'received', c)),
    collision: (i: { close: ConnectionDirection; reason: string }) => logSessionEvent(log, { event: 'collision', ...i }),
    routesDeleted: (i: { graceful: boolean }) => logSessionEvent(log, { event: 'routes-deleted', graceful: i.graceful }),
    warning: (detail: string) => logSessionEvent(log, { event: 'peer-warning', detail }),
    error: (err: Error) => logSessionEvent(log, { event: 'peer-error', err }),
  }
  peer.on('stateChange', on.stateChange)
  peer.on('established', on.established)
  peer.on('notificationSent', on.notificationSent)
  peer.on('notificationReceived', on.notificationReceived)
  peer.on('collision', on.collision)
  peer.on('routesDeleted', on.routesDeleted)
  peer.on('warning', on.warning)
  peer.on('error', on.error)
  return () => {
    peer.off('stateChange', on.stateChange)
    peer.off('established', on.established)
    peer.off('notificationSent', on.notificationSent)
    peer.off('notificationReceived', on.notificationReceived)
    peer.off('collision', on.collision)
    peer.off('routesDeleted', on.routesDeleted)
    peer.off('warning', on.warning)
    peer.off('error', on.error)
  }
}

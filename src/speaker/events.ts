/**
 * The Speaker's public events (plain data, no internal classes) and the async-iterator view of them.
 *
 *   speaker.on('bestPathChange', (c) => ...)                    EventEmitter, typed by SpeakerEventMap
 *   for await (const c of speaker.events('bestPathChange')) ... the same events as an AsyncIterable
 *
 * RFC 4271 §8.2.1.4 leaves the FSM's management interface to the implementation: peerStateChange carries
 * the RFC 4271 §8.1 event and a reason text for each transition; notification carries the decoded
 * code/subcode names (RFC 4271 §4.5, RFC 4486) and the RFC 9003 Shutdown Communication.
 *
 * An iterator buffers events its consumer has not read yet, up to `maxQueue` (default unbounded); past it
 * the oldest are dropped and `dropped` counts them. Breaking out of the loop (return()) unsubscribes;
 * speaker.close() ends every iterator.
 */
import type { EventEmitter } from 'node:events'
import type { FamilyName } from './options.js'

export type PeerStateName = 'Idle' | 'Connect' | 'Active' | 'OpenSent' | 'OpenConfirm' | 'Established'

export interface PeerStateChangeEvent {
  peer: string
  from: PeerStateName
  to: PeerStateName
  /** RFC 4271 §8.1 event name that caused it, e.g. 'BGPOpen', 'HoldTimer_Expires'. */
  fsmEvent: string
  reason: string
  connection: 'incoming' | 'outgoing'
}

/** One path to a prefix, as plain data. */
export interface RouteInfo {
  prefix: string
  family: FamilyName
  /** 'api' for routes originated with announce(), else 'bgp'. */
  source: 'api' | 'bgp'
  /** Peer address it was learned from; '' for api routes. */
  peer: string
  peerAs: number
  peerRouterId: string
  /** RFC 4724: kept from a restarting peer, not yet refreshed. */
  stale: boolean
  attributes: RouteAttributes
}

/** Path attributes as plain data (RFC 4271 §5 names; communities as text). */
export interface RouteAttributes {
  origin?: 'igp' | 'egp' | 'incomplete'
  /** AS numbers of the AS_SEQUENCE segments, in order (AS_SETs in asPathSegments). */
  asPath?: number[]
  asPathSegments?: Array<{ type: 'AS_SET' | 'AS_SEQUENCE' | 'AS_CONFED_SEQUENCE' | 'AS_CONFED_SET'; asns: number[] }>
  nextHop?: string
  med?: number
  localPref?: number
  atomicAggregate?: boolean
  aggregator?: { asn: number; address: string }
  /** "65000:1" */
  communities?: string[]
  /** "65000:1:2" */
  largeCommunities?: string[]
  /** RFC 4360, text form where known ("target:65000:100"), else 16 hex digits. */
  extendedCommunities?: string[]
  originatorId?: string
  clusterList?: string[]
  otc?: number
}

export interface BestPathChangeEvent {
  prefix: string
  family: FamilyName
  /** null: the prefix is no longer reachable. */
  best: RouteInfo | null
  previous: RouteInfo | null
  /** The multipath set (best first); [best] without multipath, [] when unreachable. */
  multipath: RouteInfo[]
}

export interface NotificationEvent {
  peer: string
  direction: 'sent' | 'received'
  code: number
  subcode: number
  /** "Cease / Administrative Shutdown" */
  name: string
  /** Data field, hex. */
  data: string
  /** RFC 9003 Shutdown Communication. */
  message?: string
}

export interface SpeakerErrorEvent {
  /** The peer concerned, when there is one. */
  peer?: string
  error: Error
}

export interface EndOfRibEvent {
  peer: string
  family: FamilyName
  direction: 'sent' | 'received'
}

export interface SpeakerEventMap {
  peerStateChange: [PeerStateChangeEvent]
  bestPathChange: [BestPathChangeEvent]
  notification: [NotificationEvent]
  endOfRib: [EndOfRibEvent]
  /** Only emitted while someone listens (an unhandled 'error' would crash the process); always logged. */
  error: [SpeakerErrorEvent]
}

export type SpeakerEventName = keyof SpeakerEventMap

export interface EventIteratorOptions {
  /** Events kept for a slow consumer before the oldest are dropped; default Infinity. */
  maxQueue?: number
}

export interface EventIterable<T> extends AsyncIterableIterator<T> {
  /** Events dropped because the consumer was more than maxQueue behind. */
  readonly dropped: number
}

/**
 * Subscribe to `name` on `emitter` and expose it as an async iterator. `onEnd` registers a function the
 * owner calls to end the iterator (speaker.close()); it returns the unregister function.
 */
export function eventIterator<M extends SpeakerEventMap, K extends keyof M & string>(
  emitter: EventEmitter,
  name: K,
  onEnd: (end: () => void) => () => void,
  o: EventIteratorOptions = {},
): EventIterable<M[K] extends [infer T] ? T : never> {
  type T = M[K] extends [infer U] ? U : never
  const max = o.maxQueue ?? Infinity
  const queue: T[] = []
  const waiting: Array<(r: IteratorResult<T>) => void> = []
  let done = false
  let dropped = 0
  const listener = (v: T): void => {
    const w = waiting.shift()
    if (w !== undefined) return w({ value: v, done: false })
    queue.push(v)
    if (queue.length > max) {
      queue.shift()
      dropped++
    }
  }
  const finish = (): void => {
    if (done) return
    done = true
    emitter.off(name, listener)
    unregister()
    for (const w of waiting.splice(0)) w({ value: undefined, done: true })
  }
  emitter.on(name, listener)
  const unregister = onEnd(finish)
  const it: EventIterable<T> = {
    get dropped() {
      return dropped
    },
    next(): Promise<IteratorResult<T>> {
      if (queue.length > 0) return Promise.resolve({ value: queue.shift()!, done: false })
      if (done) return Promise.resolve({ value: undefined, done: true })
      return new Promise((resolve) => waiting.push(resolve))
    },
    return(): Promise<IteratorResult<T>> {
      queue.length = 0
      finish()
      return Promise.resolve({ value: undefined, done: true })
    },
    [Symbol.asyncIterator]() {
      return it
    },
  }
  return it
}

import type { PolicyContext, PolicyPeer } from '../../src/policy/hook.js'
import { routeFromPrefix, type Route, type RouteNeighbor, type RouteSource } from '../../src/policy/route-view.js'
import type { AsPathSegment, PathAttributes } from '../../src/wire/types.js'

export const LOCAL_AS = 64512

export const EBGP_PEER: PolicyPeer = { address: '203.0.113.2', asn: 65001, ebgp: true, ibgp: false, localAddress: '203.0.113.1' }
export const IBGP_PEER: PolicyPeer = { address: '10.255.0.2', asn: LOCAL_AS, ebgp: false, ibgp: true, localAddress: '10.255.0.1' }

export function ctx(peer: PolicyPeer = EBGP_PEER, direction: 'import' | 'export' = 'export'): PolicyContext {
  return { localAs: LOCAL_AS, routerId: '10.255.0.1', direction, peer }
}

export const seq = (...asns: number[]): AsPathSegment => ({ type: 2, asns })
export const set = (...asns: number[]): AsPathSegment => ({ type: 1, asns })

/** Frozen like an interned AttrSet's attrs, so a stray write throws in strict mode. */
export function frozen(a: PathAttributes): PathAttributes {
  const o: PathAttributes = { ...a }
  if (a.asPath) o.asPath = Object.freeze(a.asPath.map((s) => Object.freeze({ type: s.type, asns: Object.freeze([...s.asns]) as number[] }))) as AsPathSegment[]
  if (a.communities) o.communities = Object.freeze([...a.communities]) as number[]
  if (a.largeCommunities) o.largeCommunities = Object.freeze([...a.largeCommunities]) as number[]
  if (a.extendedCommunities) o.extendedCommunities = Object.freeze([...a.extendedCommunities]) as string[]
  return Object.freeze(o)
}

export const BASE: PathAttributes = frozen({ origin: 0, asPath: [seq(65001, 65002)], nextHop: '203.0.113.2', med: 10 })

export const NEIGHBOR: RouteNeighbor = { address: '203.0.113.2', asn: 65001, ebgp: true }

export function route(prefix: string, a: PathAttributes = BASE, source: RouteSource = 'peer', neighbor: RouteNeighbor | undefined = source === 'peer' ? NEIGHBOR : undefined): Route {
  return routeFromPrefix(prefix, a, source, neighbor === undefined ? {} : { neighbor })
}

/** 65000:1 as a number. */
export const c = (hi: number, lo: number): number => hi * 65536 + lo

/** Run fn, expect a PolicyError whose key and message are as given. */
export function policyError(fn: () => unknown): { key: string; termIndex: number; message: string } | null {
  try {
    fn()
  } catch (e) {
    if (e instanceof Error && e.name === 'PolicyError') return e as unknown as { key: string; termIndex: number; message: string }
    throw e
  }
  return null
}

/** Shared builders for the RIB tests. */
import { AttrSetTable } from '../../src/rib/attr-set.js'
import { Path, makePeerInfo, type PeerInfo, type PeerInfoInit } from '../../src/rib/path.js'
import type { PathAttributes } from '../../src/wire/types.js'
import { parseV4Prefix } from '../../src/wire/prefix.js'

export const table = new AttrSetTable()

export function peer(o: Partial<PeerInfoInit> & { peerId: number }): PeerInfo {
  return makePeerInfo({ peerBgpId: `10.0.0.${o.peerId}`, peerAddress: `192.0.2.${o.peerId}`, peerAs: 65000 + o.peerId, ebgp: true, ...o })
}

export const P1 = peer({ peerId: 1 })
export const P2 = peer({ peerId: 2 })

/** AS_PATH of one AS_SEQUENCE. */
export function seq(...asns: number[]): PathAttributes['asPath'] {
  return [{ type: 2, asns }]
}

export function attrs(o: PathAttributes = {}): PathAttributes {
  return { origin: 0, asPath: seq(65001), nextHop: '192.0.2.1', ...o }
}

export interface PathSpec {
  attrs?: PathAttributes
  peer?: PeerInfo
  pathId?: number
  receivedAt?: number
  reachable?: boolean
  igpCost?: number
}

export function path(s: PathSpec = {}, t: AttrSetTable = table): Path {
  const p = new Path(t.intern(attrs(s.attrs)), s.peer ?? P1, s.pathId ?? 0, s.receivedAt ?? 0, 0)
  if (s.reachable !== undefined) p.reachable = s.reachable
  if (s.igpCost !== undefined) p.igpCost = s.igpCost
  return p
}

export function v4(s: string): number {
  const k = parseV4Prefix(s)
  if (k === null) throw new Error(`bad prefix ${s}`)
  return k
}

/**
 * The Update-Receive path (RFC 4271 §9: "The Decision Process ... Phase 1 ... is invoked whenever the local
 * BGP speaker receives, from a peer, an UPDATE message that advertises a new route, a replacement route, or
 * withdrawn routes").
 *
 *   Peer 'update' ─► End-of-RIB? (RFC 4724 §2) ─► RFC 7606 outcome (treat-as-withdraw) ─► AS4 (RFC 6793 §4.2.3)
 *     ─► per family: pre-policy Adj-RIB-In (optional, soft reconfiguration)
 *     ─► importAttributes + importVerdict (rib/export-rules.ts) ─► import policy (per prefix, src/policy)
 *     ─► intern ─► post-policy Adj-RIB-In ─► LocRib.updatePrefix ─► RibCore.changed (events, Adj-RIBs-Out)
 *
 * Attributes are normalised and interned once per UPDATE and family, never per prefix; the policy runs per
 * prefix only when one is configured, and a policy result equal to its input (copy-on-write route view) reuses
 * the same AttrSet. An asynchronous policy makes the peer's UPDATEs queue behind it (`ps.inbound`), so they
 * are applied in the order received; work of a session that went down meanwhile is dropped (`ps.gen`).
 */
import { reconcileAs4 } from '../wire/as4.js'
import { worstOutcome } from '../wire/errors.js'
import type { NlriList } from '../wire/prefix.js'
import type { PathAttributes, RawNlri, Update } from '../wire/types.js'
import type { AttrSet } from '../rib/attr-set.js'
import { importAttributes, importVerdict, ImportVerdict } from '../rib/export-rules.js'
import type { PrefixKey } from '../rib/prefix-map.js'
import { applyPolicy, isPromiseLike, type PolicyContext, type PolicyResult } from '../policy/hook.js'
import { createRoute, routeAttributes } from '../policy/route-view.js'
import type { FamilyName } from './options.js'
import type { FamilyState, PeerState } from './peer-state.js'
import type { RibCore } from './rib-core.js'

export interface InboundHost {
  core: RibCore
  policyContext(ps: PeerState, direction: 'import' | 'export'): PolicyContext
  error(ps: PeerState, err: Error): void
  /** RFC 4724 §2 End-of-RIB received for a family. */
  endOfRibReceived(ps: PeerState, family: FamilyName): void
}

type Work = void | Promise<void>

/** Apply one UPDATE from `ps`, after any UPDATE still waiting on an asynchronous policy. */
export function receiveUpdate(host: InboundHost, ps: PeerState, u: Update): void {
  const gen = ps.gen
  if (ps.inbound !== null) {
    enqueue(host, ps, () => (gen === ps.gen ? processUpdate(host, ps, u, gen) : undefined))
    return
  }
  let r: Work
  try {
    r = processUpdate(host, ps, u, gen)
  } catch (e) {
    // A fault here is ours, not the peer's: report it, keep the session.
    host.error(ps, e as Error)
    return
  }
  if (r !== undefined) track(host, ps, r)
}

/** Run `fn` after the peer's pending inbound work. */
export function enqueue(host: InboundHost, ps: PeerState, fn: () => Work): void {
  if (ps.inbound === null) {
    const r = fn()
    if (r !== undefined) track(host, ps, r)
    return
  }
  track(host, ps, ps.inbound.then(fn))
}

function track(host: InboundHost, ps: PeerState, p: Promise<void>): void {
  const next: Promise<void> = p.then(
    () => {
      if (ps.inbound === next) ps.inbound = null
    },
    (e: unknown) => {
      if (ps.inbound === next) ps.inbound = null
      host.error(ps, e as Error)
    },
  )
  ps.inbound = next
}

/** RFC 4724 §2: no NLRI, no withdrawals, no attributes (IPv4) or only an empty MP_UNREACH_NLRI. */
export function endOfRibFamily(u: Update): FamilyName | null {
  if (u.nlri.keys.length > 0 || u.withdrawn.keys.length > 0) return null
  const a = u.attributes
  let n = 0
  for (const k in a) if (k !== 'wire' && a[k as keyof PathAttributes] !== undefined) n++
  if (n === 0) return 'ipv4'
  const m = a.mpUnreach
  if (n !== 1 || m === undefined || m.safi !== 1 || 'raw' in m.withdrawn || m.withdrawn.keys.length > 0) return null
  return m.afi === 1 ? 'ipv4' : m.afi === 2 ? 'ipv6' : null
}

/**
 * RFC 6793 §4.2.3 reconciliation when the session is 2-octet; RFC 6793 §4.1: a NEW speaker receiving from a
 * NEW speaker "MUST discard" AS4_PATH / AS4_AGGREGATOR.
 */
export function normalizeAs4(a: PathAttributes, as4: boolean): PathAttributes {
  if (a.as4Path === undefined && a.as4Aggregator === undefined) return a
  const { as4Path: _p, as4Aggregator: _g, ...rest } = a
  if (as4) return rest
  const r = reconcileAs4(a)
  if (r.asPath !== undefined) rest.asPath = r.asPath
  if (r.aggregator !== undefined) rest.aggregator = r.aggregator
  else delete rest.aggregator
  return rest
}

/** The attributes that describe routes of one family (RFC 4760 §3: NEXT_HOP is for IPv4 NLRI only). */
export function familyAttributes(a: PathAttributes, afi: 1 | 2): PathAttributes {
  const { mpUnreach: _u, wire: _w, ...rest } = a
  if (afi === 1) {
    if (rest.mpReach !== undefined && rest.mpReach.afi !== 1) delete rest.mpReach
  } else {
    delete rest.nextHop
  }
  return rest
}

const modeled = (l: NlriList | RawNlri | undefined, afi: number): NlriList | null =>
  l === undefined || 'raw' in l || l.afi !== afi ? null : l

function processUpdate(host: InboundHost, ps: PeerState, u: Update, gen: number): Work {
  const eor = endOfRibFamily(u)
  if (eor !== null) {
    host.endOfRibReceived(ps, eor)
    return
  }
  // RFC 7606 §2 treat-as-withdraw: "the prefixes ... MUST be handled as though they had been withdrawn".
  // (afiSafiDisable is not offered by the session layer; it is handled as treat-as-withdraw too.)
  const outcome = worstOutcome(u.errors)
  const asWithdraw = outcome === 'withdraw' || outcome === 'afiSafiDisable'
  const attrs = normalizeAs4(u.attributes, ps.session?.as4 ?? true)
  const mpR = attrs.mpReach
  const mpU = attrs.mpUnreach
  const pending: Array<Promise<void>> = []
  for (const fs of ps.families.values()) {
    if (fs.post === null) continue
    const withdrawn: NlriList[] = []
    const announced: NlriList[] = []
    if (fs.afi === 1) {
      withdrawn.push(u.withdrawn)
      announced.push(u.nlri)
    }
    const w = modeled(mpU?.safi === 1 ? mpU.withdrawn : undefined, fs.afi)
    if (w !== null) withdrawn.push(w)
    const r = modeled(mpR?.safi === 1 ? mpR.nlri : undefined, fs.afi)
    if (r !== null) announced.push(r)
    const gone: PrefixKey[] = []
    for (const l of asWithdraw ? [...withdrawn, ...announced] : withdrawn) withdrawList(fs, l, gone)
    if (gone.length > 0) host.core.redecide(fs.name, gone)
    if (asWithdraw) continue
    for (const l of announced) {
      if (l.keys.length === 0) continue
      const fa = familyAttributes(attrs, fs.afi)
      if (fs.preShared && !importsUnchanged(host, ps, fa)) fs.unsharePre()
      if (fs.pre !== null) {
        const pre = host.core.inTable.intern(fa)
        for (let i = 0; i < l.keys.length; i++) fs.pre.update(l.keys[i]!, pre, l.pathIds?.[i] ?? 0)
        host.core.inTable.release(pre)
      }
      const p = importRoutes(host, ps, fs, l.keys, l.pathIds, fa, gen)
      if (p !== undefined) pending.push(p)
    }
  }
  if (pending.length > 0) return Promise.all(pending).then(() => undefined)
}

/**
 * Whether routes with the received attributes `fa` enter the post-policy Adj-RIB-In exactly as received: no
 * import policy, importAttributes() the identity, importVerdict() ACCEPT. While that holds for every UPDATE,
 * the pre-policy table can be the post-policy one (FamilyState.preShared).
 */
function importsUnchanged(host: InboundHost, ps: PeerState, fa: PathAttributes): boolean {
  if (ps.cfg.importPolicy !== null || importAttributes(fa, ps.info!) !== fa) return false
  const set = host.core.inTable.intern(fa)
  const v = importVerdict(set, ps.info!, host.core.self, ps.cfg.allowAsIn)
  host.core.inTable.release(set)
  return v === ImportVerdict.ACCEPT
}

function withdrawList(fs: FamilyState, l: NlriList, gone: PrefixKey[]): void {
  for (let i = 0; i < l.keys.length; i++) {
    const k = l.keys[i]!
    const id = l.pathIds?.[i] ?? 0
    fs.pre?.withdraw(k, id)
    if (fs.post!.withdraw(k, id)) gone.push(k)
  }
}

/**
 * Import policy for `keys` sharing the received attributes `attrs` (pre-policy), into the post-policy
 * Adj-RIB-In, then re-decide. Returns a Promise only when the policy returned one.
 */
export function importRoutes(
  host: InboundHost,
  ps: PeerState,
  fs: FamilyState,
  keys: readonly PrefixKey[],
  pathIds: readonly number[] | null,
  attrs: PathAttributes,
  gen: number,
): Work {
  const core = host.core
  const info = ps.info!
  const post = fs.post!
  const set = core.inTable.intern(importAttributes(attrs, info))
  const changed: PrefixKey[] = []
  const finish = (): void => {
    core.inTable.release(set)
    if (changed.length > 0) core.redecide(fs.name, changed)
  }
  // RFC 4271 §9.1.2 AS loop / RFC 4456 §8 loops: the route is not used (as if withdrawn).
  const verdict = importVerdict(set, info, core.self, ps.cfg.allowAsIn)
  const policy = ps.cfg.importPolicy
  if (verdict !== ImportVerdict.ACCEPT || policy === null) {
    const accept = verdict === ImportVerdict.ACCEPT
    // Both tables' slots for the batch are loaded up front, their cache misses overlapping.
    post.prefetch(keys, accept)
    core.locRib(fs.name).prefetch(keys, accept)
    // Every key's route in `post` is now `set` (or none): the decision need not look it up.
    const from = { src: post, set: accept ? set : null }
    if (accept && pathIds === null) {
      // Usually every prefix changes the table: then the key list itself is re-decided, not a copy of it.
      const list = post.updateMany(keys, set) ?? keys
      if (list.length > 0) core.redecide(fs.name, list, from)
      core.inTable.release(set)
      return
    }
    // ADD-PATH or a rejected route: not the table-load path, one list of the keys that changed.
    for (let i = 0; i < keys.length; i++) {
      const id = pathIds === null ? 0 : (pathIds[i] ?? 0)
      if (accept ? post.update(keys[i]!, set, id) : post.withdraw(keys[i]!, id)) changed.push(keys[i]!)
    }
    if (changed.length > 0) core.redecide(fs.name, changed, from)
    core.inTable.release(set)
    return
  }
  const ctx = host.policyContext(ps, 'import')
  const neighbor = { address: info.peerAddress, asn: info.peerAs, ebgp: info.ebgp }
  const apply = (i: number, r: PolicyResult): void => {
    const k = keys[i]!
    const id = pathIds?.[i] ?? 0
    let ch: boolean
    if (r === null) ch = post.withdraw(k, id)
    else {
      const a = routeAttributes(r)
      if (a === set.attrs) ch = post.update(k, set, id)
      else {
        const s2: AttrSet = core.inTable.intern(a)
        ch = post.update(k, s2, id)
        core.inTable.release(s2)
      }
    }
    if (ch) changed.push(k)
  }
  // A policy that throws (or rejects) rejects the route; the error is reported, the session goes on.
  const failed = (e: unknown): null => {
    host.error(ps, e as Error)
    return null
  }
  const run = (from: number): Work => {
    for (let i = from; i < keys.length; i++) {
      const route = createRoute({ afi: fs.afi, key: keys[i]!, attributes: set.attrs as PathAttributes, source: 'peer', neighbor, pathId: pathIds?.[i] })
      let r: PolicyResult | Promise<PolicyResult>
      try {
        r = applyPolicy(policy, route, ctx)
      } catch (e) {
        r = failed(e)
      }
      if (isPromiseLike<PolicyResult>(r)) {
        return Promise.resolve(r)
          .catch(failed)
          .then((v) => {
            if (gen !== ps.gen || fs.post !== post) {
              core.inTable.release(set)
              return
            }
            apply(i, v)
            return run(i + 1)
          })
      }
      apply(i, r)
    }
    finish()
  }
  return run(0)
}

/**
 * Soft reconfiguration inbound: re-run import for every pre-policy route of `fs` (RFC 4271 §3.2 keeps
 * "unprocessed routing information" in the Adj-RIB-In; a new import policy is applied to it locally).
 */
export function reimportFamily(host: InboundHost, ps: PeerState, fs: FamilyState): Work {
  // Re-importing changes the post-policy table: the pre-policy one must be its own from here on.
  fs.unsharePre()
  const pre = fs.pre
  if (pre === null || fs.post === null) return
  const groups = new Map<AttrSet, PrefixKey[]>()
  for (const k of pre.keys()) {
    const s = pre.get(k)
    if (s === undefined) continue
    const l = groups.get(s)
    if (l === undefined) groups.set(s, [k])
    else l.push(k)
  }
  const gen = ps.gen
  const pending: Array<Promise<void>> = []
  for (const [s, keys] of groups) {
    const r = importRoutes(host, ps, fs, keys, null, s.attrs as PathAttributes, gen)
    if (r !== undefined) pending.push(r)
  }
  if (pending.length > 0) return Promise.all(pending).then(() => undefined)
}

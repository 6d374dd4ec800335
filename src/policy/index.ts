/**
 * src/policy: route redistribution policy. Hooks (hook.ts) for library users, declarative rules (rules.ts)
 * compiled to the same hook type (compile.ts), over a copy-on-write route view (route-view.ts).
 */
export { PolicyError } from './errors.js'
export { acceptAll, applyPolicy, chain, isPromiseLike, rejectAll } from './hook.js'
export type { PolicyContext, PolicyDirection, PolicyHook, PolicyPeer, PolicyResult, SyncPolicyHook } from './hook.js'
export { createRoute, peekAttributes, routeAttributes, routeFromPrefix } from './route-view.js'
export type { MutableAttributes, OriginText, Route, RouteInit, RouteNeighbor, RouteSource } from './route-view.js'
export type { CommunityInput, CommunitySet, ExtendedCommunitySet, LargeCommunityInput, LargeCommunitySet } from './community-sets.js'
export { compilePolicy, compileRules, isPolicyRules } from './compile.js'
export type { PolicySpec } from './compile.js'
export type * from './rules.js'
export { compilePrefixList, PrefixList } from './prefix-list.js'
export type { PrefixListEntry } from './prefix-list.js'
export { asPathText, compileAsPathRegex } from './as-path-match.js'
export {
  communityName,
  formatCommunity,
  formatExtendedCommunity,
  formatLargeCommunity,
  parseCommunity,
  parseCommunityPattern,
  parseExtendedCommunity,
  parseLargeCommunity,
  parseLargeCommunityPattern,
  WELL_KNOWN_COMMUNITY_NAMES,
} from './community-text.js'

/**
 * The public surface of the tsbgp library (`import { Speaker } from 'tsbgp'`), and nothing else
 * (STYLE.md "Public API"): the Speaker, its option / event / hook types, the message codec entry points
 * (decodeMessage / encodeMessage with their WireContext, messageToJson), the error classes and the IANA
 * constants. Every type here is plain data; internal classes (RIB tables, sessions) are not exported, and
 * package.json "exports" blocks deep imports. Changes to these exports get a CHANGELOG line.
 */
export { Speaker } from './speaker/speaker.js'
export type { LocRibEntry, AdjRibOutEntry, PolicyUpdate } from './speaker/speaker.js'
export {
  DEFAULT_CONNECT_RETRY_SEC,
  DEFAULT_GR_RESTART_TIME_SEC,
  DEFAULT_KEEP_PRE_POLICY,
  DEFAULT_LISTEN_ADDRESS,
  DEFAULT_LISTEN_PORT,
  DEFAULT_MRAI_MS,
} from './speaker/options.js'
export type { DecisionConfig, FamilyName, PeerConfig, SpeakerOptions } from './speaker/options.js'
export type { AnnounceAttributes } from './speaker/route-info.js'
export type { FamilyCounters, PeerSummary } from './speaker/peer-state.js'
export type {
  BestPathChangeEvent,
  EndOfRibEvent,
  EventIterable,
  EventIteratorOptions,
  NotificationEvent,
  PeerStateChangeEvent,
  PeerStateName,
  RouteAttributes,
  RouteInfo,
  SpeakerErrorEvent,
  SpeakerEventMap,
  SpeakerEventName,
} from './speaker/events.js'

// Policy hooks: the function type, its context and the route view it receives.
export type { PolicyContext, PolicyDirection, PolicyHook, PolicyPeer, PolicyResult } from './policy/hook.js'
export type { MutableAttributes, Route, RouteNeighbor, RouteSource } from './policy/route-view.js'

// Message codec.
export { decodeMessage, encodeMessage } from './wire/message.js'
export { messageToJson } from './wire/json.js'
export { DEFAULT_CONTEXT, makeWireContext } from './wire/context.js'
export type { WireContext, WireContextOptions } from './wire/context.js'
export type {
  AsPathSegment,
  Capability,
  Keepalive,
  Message,
  MpReach,
  MpUnreach,
  Notification,
  Open,
  PathAttributes,
  RouteRefresh,
  Update,
} from './wire/types.js'

// Errors.
export { BgpError } from './wire/errors.js'
export type { AttrError, AttrErrorAction } from './wire/errors.js'
export { PolicyError } from './policy/errors.js'

// IANA constants (registry dates in src/wire/iana.ts).
export {
  AS_TRANS,
  AddPathMode,
  Afi,
  AsPathSegmentType,
  AttrFlag,
  AttrType,
  BgpRole,
  CapabilityCode,
  CeaseSubcode,
  ErrorCode,
  FsmSubcode,
  HeaderSubcode,
  MessageType,
  OpenSubcode,
  Origin,
  RouteRefreshSubtype,
  Safi,
  UpdateSubcode,
  WellKnownCommunity,
} from './wire/iana.js'

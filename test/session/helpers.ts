/** Shared fixtures for the session tests: configs, OPENs, a fake-clock runner and an action digest. */
import { makeOpen } from '../../src/wire/open.js'
import type { Capability, Open } from '../../src/wire/types.js'
import type { Action } from '../../src/session/actions.js'
import { sessionConfig, type SessionConfig, type SessionConfigInput } from '../../src/session/config.js'
import type { FsmEvent } from '../../src/session/events.js'
import { step, tick } from '../../src/session/fsm.js'
import { initialState, type FsmStateName, type SessionState } from '../../src/session/state.js'

export const LOCAL_ID = '192.0.2.1'
export const PEER_ID = '192.0.2.2'

export function cfgOf(o: Partial<SessionConfigInput> = {}): SessionConfig {
  return sessionConfig({ localAs: 65001, remoteAs: 65002, bgpId: LOCAL_ID, ...o })
}

export const CFG = cfgOf()

export interface PeerOpenOptions {
  asn?: number
  holdTime?: number
  bgpId?: string
  capabilities?: Capability[]
  version?: number
}

export function peerOpen(o: PeerOpenOptions = {}): Open {
  const asn = o.asn ?? 65002
  const open = makeOpen({
    asn,
    holdTime: o.holdTime ?? 90,
    bgpId: o.bgpId ?? PEER_ID,
    capabilities: o.capabilities ?? [{ code: 1, afi: 1, safi: 1 }, { code: 2 }, { code: 65, asn }],
  })
  if (o.version !== undefined) open.version = o.version
  return open
}

/** One action as a short string, so expectations read like the RFC's bullet lists. */
export function digest(a: Action): string {
  switch (a.type) {
    case 'send':
      return a.message.type === 'NOTIFICATION'
        ? `send NOTIFICATION ${a.message.code}/${a.message.subcode}`
        : `send ${a.message.type}`
    case 'connect':
      return 'connect'
    case 'close':
      return 'close'
    case 'releaseResources':
      return 'release'
    case 'deleteRoutes':
      return a.graceful ? 'deleteRoutes(graceful)' : 'deleteRoutes'
    case 'emit': {
      const e = a.event
      switch (e.type) {
        case 'stateChange':
          return `state ${e.from}>${e.to}`
        case 'notificationSent':
          return `notif-sent ${e.notification.code}/${e.notification.subcode}`
        case 'notificationReceived':
          return `notif-recv ${e.notification.code}/${e.notification.subcode}`
        case 'established':
          return 'established'
        case 'updateReceived':
          return 'update'
        case 'routeRefreshReceived':
          return 'route-refresh'
      }
    }
  }
}

export const digests = (actions: Action[]): string[] => actions.map(digest)

/** A step of a script: an event at a time, or `tick` to deliver the timers due then. */
export type ScriptStep = [now: number, ev: FsmEvent | 'tick']

export interface Trace {
  s: SessionState
  actions: Action[]
  /** Per step: digests of its actions. */
  log: string[][]
}

export function run(cfg: SessionConfig, script: ScriptStep[], s: SessionState = initialState(cfg)): Trace {
  const all: Action[] = []
  const log: string[][] = []
  for (const [now, ev] of script) {
    const r = ev === 'tick' ? tick(s, now, cfg) : step(s, ev, now, cfg)
    s = r.s
    all.push(...r.actions)
    log.push(digests(r.actions))
  }
  return { s, actions: all, log }
}

/** The script that brings a fresh FSM to `state` at time 0 (active start, no DelayOpen). */
export function pathTo(state: FsmStateName, open: Open = peerOpen()): ScriptStep[] {
  const p: ScriptStep[] = []
  if (state === 'Idle') return p
  if (state === 'Active') return [[0, { type: 'ManualStart_with_PassiveTcpEstablishment' }]]
  p.push([0, { type: 'ManualStart' }])
  if (state === 'Connect') return p
  p.push([0, { type: 'Tcp_CR_Acked' }])
  if (state === 'OpenSent') return p
  p.push([0, { type: 'BGPOpen', open }])
  if (state === 'OpenConfirm') return p
  p.push([0, { type: 'KeepAliveMsg' }])
  return p
}

export function reach(state: FsmStateName, cfg: SessionConfig = CFG, open?: Open): SessionState {
  const t = run(cfg, pathTo(state, open))
  if (t.s.state !== state) throw new Error(`could not reach ${state}: ended in ${t.s.state}`)
  return t.s
}

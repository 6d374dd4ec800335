/**
 * The OPEN we send (RFC 4271 §4.2) with the capabilities of the configuration (RFC 5492 §4),
 * in ascending capability code order.
 */
import { makeOpen } from '../wire/open.js'
import type { Capability, Open } from '../wire/types.js'
import type { SessionConfig } from './config.js'

export function localCapabilities(cfg: SessionConfig): Capability[] {
  const c = cfg.capabilities
  const caps: Capability[] = []
  for (const [afi, safi] of c.families) caps.push({ code: 1, afi, safi }) // RFC 4760 §8
  if (c.routeRefresh) caps.push({ code: 2 }) // RFC 2918 §2
  if (c.extendedNextHop.length) caps.push({ code: 5, entries: c.extendedNextHop.map((e) => ({ ...e })) }) // RFC 8950 §3
  if (c.extendedMessage) caps.push({ code: 6 }) // RFC 8654 §3
  if (c.role) caps.push({ code: 9, role: c.role.role }) // RFC 9234 §4.1
  if (c.gracefulRestart) {
    // RFC 4724 §3; we keep no forwarding state across restarts (F bit clear), and set the
    // RFC 8538 §2 N bit unless configured off.
    caps.push({
      code: 64,
      restartState: false,
      notification: c.gracefulRestart.notification ?? true,
      restartTime: c.gracefulRestart.restartTimeSec,
      families: c.families.map(([afi, safi]) => ({ afi, safi, forwardingState: false })),
    })
  }
  caps.push({ code: 65, asn: cfg.localAs }) // RFC 6793 §3: always advertised
  if (c.addPath.length) caps.push({ code: 69, families: c.addPath.map((a) => ({ ...a })) }) // RFC 7911 §4
  if (c.enhancedRouteRefresh) caps.push({ code: 70 }) // RFC 7313 §3.1
  return caps
}

export function localOpen(cfg: SessionConfig): Open {
  return makeOpen({ asn: cfg.localAs, holdTime: cfg.holdTimeSec, bgpId: cfg.bgpId, capabilities: localCapabilities(cfg) })
}

/**
 * Helpers for the daemon's ControlHandler: the `services` row of one service from its config,
 * the state machine's state (ServiceMonitor.state) and the last verdict of each check, so the
 * daemon does not have to know the row's shape. Plain data in, plain data out.
 */
import type { CheckVerdict } from '../checks/runner.js'
import type { ServiceConfig } from '../config/types.js'
import type { ServiceState } from '../service-state.js'
import type { CheckRow, ServiceRow } from './handler.js'

/**
 * `state.sinceMs` is on the monitor's clock (performance.timeOrigin + performance.now() by
 * default), which is wall-clock milliseconds; a monitor with another clock passes `toWallMs`.
 */
export function serviceRow(
  cfg: ServiceConfig,
  state: ServiceState | null,
  lastVerdicts: ReadonlyArray<CheckVerdict | undefined>,
  reason: string | null,
  toWallMs: (ms: number) => number = (ms) => ms,
): ServiceRow {
  const checks: CheckRow[] = cfg.checks.map((c, i) => {
    const k = state?.counters[i]
    const v = lastVerdicts[i]
    const row: CheckRow = { name: c.name, kind: c.spec.kind, status: k?.status ?? 'unknown', passes: k?.passes ?? 0, fails: k?.fails ?? 0 }
    if (v !== undefined) {
      row.detail = v.detail
      row.lastDurationMs = v.durationMs
    }
    return row
  })
  const a = state?.announcement
  return {
    name: cfg.name,
    state: state?.state ?? 'starting',
    since: state === null ? 0 : toWallMs(state.sinceMs),
    announced: a?.announce ?? false,
    health: state?.health ?? 'unknown',
    prefixes: cfg.prefixes.map((p) => p.prefix),
    uniquePrefixes: cfg.uniquePrefixes.map((p) => p.prefix),
    checks,
    maintenance: [...(state?.maintenance ?? [])],
    med: a !== undefined && a.announce ? a.med : null,
    reason,
  }
}

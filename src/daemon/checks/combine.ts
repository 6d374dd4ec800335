/**
 * Several checks of one service combine into one health:
 * - `all`: up when every check is up; down as soon as one is down.
 * - `any`: up as soon as one is up; down when none is up and at least one is down (an
 *   undecided check never keeps a failed service announced).
 * Otherwise `unknown` (only while starting: a check never returns to unknown).
 */
import type { CheckStatus } from './counter.js'

export type CombineMode = 'all' | 'any'

export function combineHealth(statuses: readonly CheckStatus[], mode: CombineMode): CheckStatus {
  if (statuses.length === 0) return 'up' // no health check: always healthy
  let up = 0
  let down = 0
  for (const s of statuses) {
    if (s === 'up') up++
    else if (s === 'down') down++
  }
  if (mode === 'all') return down > 0 ? 'down' : up === statuses.length ? 'up' : 'unknown'
  return up > 0 ? 'up' : down > 0 ? 'down' : 'unknown'
}

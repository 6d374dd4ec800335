/**
 * Rise/fall counting for one check (the HAProxy/keepalived model): a check becomes `up` after
 * `rise` consecutive passes and `down` after `fall` consecutive failures; before either it is
 * `unknown`. Pure; shared by the service state machine (decisions) and the runner (which
 * probes at the fast interval while a change is pending).
 */

export type CheckStatus = 'unknown' | 'up' | 'down'

export interface CheckCounter {
  readonly status: CheckStatus
  /** Consecutive passes / failures up to now (one of them is 0). */
  readonly passes: number
  readonly fails: number
}

export const INITIAL_COUNTER: CheckCounter = { status: 'unknown', passes: 0, fails: 0 }

export function countVerdict(c: CheckCounter, ok: boolean, rise: number, fall: number): CheckCounter {
  if (ok) {
    const passes = c.passes + 1
    return { status: c.status !== 'up' && passes >= rise ? 'up' : c.status, passes, fails: 0 }
  }
  const fails = c.fails + 1
  return { status: c.status !== 'down' && fails >= fall ? 'down' : c.status, passes: 0, fails }
}

/** A streak toward another status has begun (or nothing is known yet): probe faster. */
export function counterPending(c: CheckCounter): boolean {
  return c.status === 'unknown' || (c.status === 'up' && c.fails > 0) || (c.status === 'down' && c.passes > 0)
}

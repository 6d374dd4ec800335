/**
 * The FSM driver: real time for the pure reducer (fsm.ts). RFC 4271 §8 timers (ConnectRetryTimer,
 * HoldTimer, KeepaliveTimer, DelayOpenTimer, IdleHoldTimer, RFC 9687 SendHoldTimer) are deadlines
 * in SessionState; the driver arms ONE setTimeout for the earliest (`nextDeadline`), delivers the
 * due expiries with `tick`, and hands every action list to its owner. Time is monotonic
 * (performance.now()), never the wall clock, so a clock step cannot expire a hold timer.
 *
 * Events raised while actions run (a write that fails synchronously, a collision decision) are
 * queued and stepped in order after the current ones: the reducer never re-enters itself.
 */
import { performance } from 'node:perf_hooks'
import type { Action } from './actions.js'
import type { SessionConfig } from './config.js'
import type { FsmEvent } from './events.js'
import { nextDeadline, step, tick } from './fsm.js'
import { initialState, type SessionState } from './state.js'

export type Clock = () => number

const STALE_RECHECK_MS = 1000

export const monotonicMs: Clock = () => performance.now()

/** The owner's side: run these actions; `s` is the state after the step that produced them. */
export type ActionSink = (actions: Action[], s: SessionState, cause: FsmEvent | 'timer') => void

export class FsmDriver {
  private s: SessionState
  private timer: NodeJS.Timeout | null = null
  private armedFor: number | null = null
  /** The deadline the last timer callback was armed for (a state that ignored it leaves it due). */
  private firedFor: number | null = null
  private readonly queue: Array<FsmEvent | 'timer'> = []
  private running = false
  private disposed = false

  constructor(
    readonly cfg: SessionConfig,
    private readonly sink: ActionSink,
    private readonly clock: Clock = monotonicMs,
  ) {
    this.s = initialState(cfg)
  }

  get state(): SessionState {
    return this.s
  }

  get isDisposed(): boolean {
    return this.disposed
  }

  /** Step one event (queued behind any step in progress). */
  dispatch(ev: FsmEvent): void {
    this.enqueue(ev)
  }

  /** Stop the timer and ignore every later event. */
  dispose(): void {
    this.disposed = true
    this.queue.length = 0
    this.disarm()
  }

  private enqueue(item: FsmEvent | 'timer'): void {
    if (this.disposed) return
    this.queue.push(item)
    if (this.running) return
    this.running = true
    try {
      while (this.queue.length > 0 && !this.disposed) {
        const item = this.queue.shift()!
        const now = this.clock()
        const r = item === 'timer' ? tick(this.s, now, this.cfg) : step(this.s, item, now, this.cfg)
        this.s = r.s
        this.arm()
        if (r.actions.length > 0) this.sink(r.actions, this.s, item)
      }
    } finally {
      this.running = false
    }
  }

  private arm(): void {
    if (this.disposed) return
    const d = nextDeadline(this.s)
    if (d === this.armedFor && this.timer !== null) return
    this.disarm()
    if (d === null) return
    this.armedFor = d
    // +1: Node's timer clock and performance.now() differ by sub-millisecond amounts; firing a hair
    // late is harmless, firing early would find nothing due.
    let delay = Math.max(0, Math.ceil(d - this.clock()) + 1)
    // A deadline already delivered and left in place must not spin the loop: look again later.
    if (d === this.firedFor && delay <= 1) delay = STALE_RECHECK_MS
    this.timer = setTimeout(this.fire, delay)
  }

  private disarm(): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.armedFor = null
  }

  private readonly fire = (): void => {
    this.firedFor = this.armedFor
    this.timer = null
    this.armedFor = null
    this.enqueue('timer')
    // Nothing was due (woken early): arm() inside enqueue re-armed for the same deadline.
  }
}

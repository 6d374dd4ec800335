/**
 * Runs the checks of one service and reports each verdict synchronously to one callback.
 *
 * Scheduling, per check:
 * - One probe in flight at a time: the next starts `interval` after the previous one started,
 *   or as soon as it finished when it ran longer. Checks never pile up, so the cost of a check
 *   is bounded by one process/socket and one probe per interval.
 * - While a state change is pending (a failure seen while up, a pass while down, or the first
 *   verdicts at start), the `fast-interval` (default interval/4) is used instead.
 * - The timeout aborts the probe (the exec probe SIGKILLs its process group). A probe that
 *   ignores its abort for GRACE_MS more is reported as failed; its slot stays busy until it
 *   really settles, and its late result is dropped.
 * - process checks also watch the probed pid between probes, so a death is reported within a
 *   poll period (default 10 ms) as an extra failure verdict.
 */
import type { CheckConfig, CheckKind } from '../config/types.js'
import { counterPending, countVerdict, INITIAL_COUNTER, type CheckCounter } from './counter.js'
import { probeFor, type Probe, type ProbeResult } from './probe.js'
import { ProcessWatch } from './process.js'

export const GRACE_MS = 1000

export interface CheckVerdict {
  /** Index of the check in the service's checks. */
  readonly check: number
  readonly name: string
  readonly kind: CheckKind
  readonly ok: boolean
  /** file checks: whether the maintenance flag is present; null for other kinds. */
  readonly maintenance: boolean | null
  readonly detail: string
  /** Probe run time; 0 for a death seen by the process watch. */
  readonly durationMs: number
  /** Clock of the runner (monotonic ms) when the verdict was known. */
  readonly atMs: number
}

export interface CheckRunnerOptions {
  /** Monotonic milliseconds; default performance.timeOrigin + performance.now(). */
  now?: () => number
  /** Replace probes (tests). */
  probeFor?: (c: CheckConfig) => Probe
  /** Extra time a probe gets to honour its abort before it is reported failed; default GRACE_MS. */
  graceMs?: number
}

interface Slot {
  readonly index: number
  readonly cfg: CheckConfig
  readonly probe: Probe
  counter: CheckCounter
  busy: boolean
  settled: Promise<void>
  controller: AbortController | null
  guard: NodeJS.Timeout | null
  next: NodeJS.Timeout | null
  startedMs: number
  watch: ProcessWatch | null
}

export class CheckRunner {
  private readonly slots: Slot[]
  private readonly now: () => number
  private readonly graceMs: number
  private running = false
  /** Probes started, for tests and metrics. */
  probesStarted = 0

  constructor(
    checks: readonly CheckConfig[],
    private readonly onVerdict: (v: CheckVerdict) => void,
    opts: CheckRunnerOptions = {},
  ) {
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now())
    this.graceMs = opts.graceMs ?? GRACE_MS
    const make = opts.probeFor ?? ((c: CheckConfig) => probeFor(c.spec))
    this.slots = checks.map((cfg, index) => ({
      index, cfg, probe: make(cfg), counter: INITIAL_COUNTER, busy: false, settled: Promise.resolve(),
      controller: null, guard: null, next: null, startedMs: 0, watch: null,
    }))
  }

  start(): void {
    if (this.running) return
    this.running = true
    for (const s of this.slots) this.run(s)
  }

  /** Abort probes in flight, stop timers and watches, and wait until every probe has settled
   * (at most the grace period: a probe that ignores its abort is abandoned). */
  async stop(): Promise<void> {
    this.running = false
    for (const s of this.slots) {
      if (s.next !== null) clearTimeout(s.next)
      if (s.guard !== null) clearTimeout(s.guard)
      s.next = null
      s.guard = null
      s.controller?.abort()
      s.watch?.stop()
      s.watch = null
    }
    let timer: NodeJS.Timeout | undefined
    const grace = new Promise<void>((res) => (timer = setTimeout(res, this.graceMs)))
    await Promise.race([Promise.all(this.slots.map((s) => s.settled)), grace])
    clearTimeout(timer)
  }

  /** Probes in flight now (never more than one per check). */
  get inFlight(): number {
    return this.slots.filter((s) => s.busy).length
  }

  private run(s: Slot): void {
    s.next = null
    if (!this.running || s.busy) return
    s.busy = true
    s.startedMs = this.now()
    this.probesStarted++
    const controller = new AbortController()
    s.controller = controller
    let reported = false
    const timeout = setTimeout(() => controller.abort(), s.cfg.timeoutMs)
    s.guard = setTimeout(() => {
      s.guard = null
      reported = true
      if (this.running) this.report(s, { ok: false, detail: `probe ignored its ${s.cfg.timeoutMs}ms timeout` }, this.now() - s.startedMs)
    }, s.cfg.timeoutMs + this.graceMs)
    const settle = (r: ProbeResult): void => {
      clearTimeout(timeout)
      if (s.guard !== null) clearTimeout(s.guard)
      s.guard = null
      s.busy = false
      s.controller = null
      if (!this.running) return
      if (!reported) this.report(s, r, this.now() - s.startedMs)
      if (s.cfg.spec.kind === 'process') this.watchPid(s, r)
      this.schedule(s)
    }
    s.settled = s.probe(controller.signal).then(settle, (e: unknown) => settle({ ok: false, detail: `probe failed: ${String(e)}` }))
  }

  private report(s: Slot, r: ProbeResult, durationMs: number): void {
    s.counter = countVerdict(s.counter, r.ok, s.cfg.rise, s.cfg.fall)
    this.onVerdict({
      check: s.index, name: s.cfg.name, kind: s.cfg.spec.kind, ok: r.ok, maintenance: r.maintenance ?? null,
      detail: r.detail, durationMs: Math.round(durationMs), atMs: this.now(),
    })
  }

  private schedule(s: Slot): void {
    if (!this.running || s.busy) return
    if (s.next !== null) clearTimeout(s.next)
    const period = counterPending(s.counter) ? s.cfg.fastIntervalMs : s.cfg.intervalMs
    const delay = Math.max(0, s.startedMs + period - this.now())
    s.next = setTimeout(() => this.run(s), delay)
  }

  /** Keep one watch on the pid the last probe saw alive. */
  private watchPid(s: Slot, r: ProbeResult): void {
    const spec = s.cfg.spec
    if (spec.kind !== 'process') return
    if (!r.ok || r.pid === undefined) {
      s.watch?.stop()
      s.watch = null
      return
    }
    if (s.watch?.pid === r.pid && s.watch.running) return
    s.watch?.stop()
    s.watch = new ProcessWatch(r.pid, spec.pollMs, (pid) => {
      if (!this.running) return
      this.report(s, { ok: false, detail: `pid ${pid} died (seen by the ${spec.pollMs}ms watch)` }, 0)
      this.schedule(s)
    })
    s.watch.start()
  }
}

/**
 * The thin I/O edge around one service: runs its checks (CheckRunner), feeds every verdict to
 * the pure state machine synchronously, keeps one timer for the machine's next deadline, and
 * emits a `change` for every state/announcement change. The daemon connects `change` to the
 * Speaker (announce/withdraw); nothing here knows about BGP sessions.
 */
import { EventEmitter } from 'node:events'
import type { CheckConfig } from './config/types.js'
import { CheckRunner, type CheckRunnerOptions, type CheckVerdict } from './checks/runner.js'
import {
  serviceDeadline, startService, stepService,
  type ServiceChange, type ServiceEvent, type ServiceMachineConfig, type ServiceState,
} from './service-state.js'

export interface ServiceMonitorEvents {
  change: [ServiceChange]
  verdict: [CheckVerdict]
}

export class ServiceMonitor extends EventEmitter<ServiceMonitorEvents> {
  private s: ServiceState | null = null
  private readonly runner: CheckRunner
  private readonly now: () => number
  private deadline: NodeJS.Timeout | null = null

  constructor(
    readonly machine: ServiceMachineConfig,
    checks: readonly CheckConfig[],
    opts: CheckRunnerOptions = {},
  ) {
    super()
    this.now = opts.now ?? (() => performance.timeOrigin + performance.now())
    this.runner = new CheckRunner(checks, (v) => this.onVerdict(v), { ...opts, now: this.now })
  }

  get state(): ServiceState | null {
    return this.s
  }

  start(): void {
    if (this.s !== null) return
    const r = startService(this.machine, this.now())
    this.s = r.s
    for (const c of r.changes) this.emit('change', c)
    this.armDeadline()
    this.runner.start()
  }

  async stop(): Promise<void> {
    if (this.deadline !== null) clearTimeout(this.deadline)
    this.deadline = null
    await this.runner.stop()
  }

  /** Admin drain / shutdown: any number of named sources; drained while one is on. */
  maintenance(on: boolean, source: string): void {
    this.apply({ type: 'maintenance', on, source })
  }

  /** dynamic-med: a new MED (null = back to the configured one). */
  setMed(med: number | null): void {
    this.apply({ type: 'med', med })
  }

  private onVerdict(v: CheckVerdict): void {
    this.emit('verdict', v)
    this.apply({ type: 'verdict', check: v.check, ok: v.ok, maintenance: v.maintenance, detail: v.detail })
  }

  private apply(ev: ServiceEvent): void {
    if (this.s === null) return
    const r = stepService(this.machine, this.s, ev, this.now())
    this.s = r.s
    for (const c of r.changes) this.emit('change', c)
    this.armDeadline()
  }

  private armDeadline(): void {
    if (this.deadline !== null) clearTimeout(this.deadline)
    this.deadline = null
    const at = this.s === null ? null : serviceDeadline(this.machine, this.s)
    if (at === null) return
    this.deadline = setTimeout(() => {
      this.deadline = null
      this.apply({ type: 'timer' })
    }, Math.max(0, at - this.now()))
  }
}

/**
 * process check: a pid (or the pid in a pidfile) must be alive. Node has no pidfd_open, and
 * /proc cannot be watched with inotify, so between probes a ProcessWatch polls
 * `kill(pid, 0)` every pollMs (default 10 ms; one syscall, ~1 µs): a death is seen within
 * one poll period, not at the next interval. The scheduled probe also reads the pidfile
 * again (the service may have restarted under a new pid) and, on Linux, /proc/PID/stat, so
 * a zombie (dead, not yet reaped: kill(pid, 0) still succeeds) counts as dead.
 */
import { readFile } from 'node:fs/promises'
import type { CheckSpec } from '../config/types.js'
import { errorDetail, type ProbeResult } from './probe.js'

type ProcessSpec = Extract<CheckSpec, { kind: 'process' }>

/** kill(pid, 0): ESRCH = no such process; EPERM = it exists but belongs to someone else. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Linux: the state letter of /proc/PID/stat ('Z' zombie, 'X' dead); null when unknown. */
async function procState(pid: number): Promise<string | null> {
  if (process.platform !== 'linux') return null
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'latin1')
    // "pid (comm) S ..." where comm may contain spaces and parentheses: take the last ')'.
    return stat.charAt(stat.lastIndexOf(')') + 2) || null
  } catch {
    return null
  }
}

export async function readPidfile(path: string): Promise<number | string> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (e) {
    return `pidfile ${path}: ${errorDetail(e)}`
  }
  const m = /^\s*(\d+)\s*$/.exec(text)
  const pid = m === null ? NaN : Number(m[1])
  if (!Number.isInteger(pid) || pid < 1) return `pidfile ${path}: no pid in it`
  return pid
}

export async function probeProcess(spec: ProcessSpec): Promise<ProbeResult> {
  let pid = spec.pid
  if (pid === null) {
    const p = await readPidfile(spec.pidfile ?? '')
    if (typeof p === 'string') return { ok: false, detail: p }
    pid = p
  }
  if (!pidAlive(pid)) return { ok: false, detail: `pid ${pid} is gone`, pid }
  const state = await procState(pid)
  if (state === 'Z' || state === 'X') return { ok: false, detail: `pid ${pid} is dead (state ${state})`, pid }
  return { ok: true, detail: `pid ${pid} alive`, pid }
}

/** Polls one pid until it dies (onDeath, once) or stop(). One timer, no allocation per poll. */
export class ProcessWatch {
  private timer: NodeJS.Timeout | null = null

  constructor(
    readonly pid: number,
    private readonly pollMs: number,
    private readonly onDeath: (pid: number) => void,
  ) {}

  start(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => this.poll(), this.pollMs)
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
  }

  get running(): boolean {
    return this.timer !== null
  }

  private poll(): void {
    if (pidAlive(this.pid)) return
    this.stop()
    this.onDeath(this.pid)
  }
}

// Child processes of the lab: daemons (spawned, logged to a file, killed by
// PID) and short commands (bounded exec). Optionally inside a namespace via
// `ip netns exec NS cmd ...`: ip execs the command in place (no fork), so the
// PID we hold is the daemon's own PID.
//
// Every wait is bounded both in tries and in milliseconds.

import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { CleanupRegistry, killPid, pidAlive } from './cleanup.js'

export interface ExecResult { code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string }

export interface ExecOptions {
  netns?: string
  timeoutMs?: number
  input?: string
  env?: NodeJS.ProcessEnv
  /** Throw unless the exit code is 0 (default true). */
  check?: boolean
}

export function netnsWrap (cmd: string, args: readonly string[], netns?: string): [string, string[]] {
  return netns === undefined ? [cmd, [...args]] : ['ip', ['netns', 'exec', netns, cmd, ...args]]
}

/** Runs a command to completion with a hard timeout (SIGKILL when it expires). */
export async function exec (cmd: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [file, argv] = netnsWrap(cmd, args, opts.netns)
  const timeoutMs = opts.timeoutMs ?? 15_000
  return await new Promise<ExecResult>((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d })
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
    const timer = setTimeout(() => { child.kill('SIGKILL') }, timeoutMs)
    child.on('error', (err) => { clearTimeout(timer); reject(err) })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const res = { code, signal, stdout, stderr }
      const shown = [file, ...argv].join(' ')
      if (signal === 'SIGKILL' && code === null) reject(new Error(`${shown}: timed out after ${timeoutMs} ms`))
      else if ((opts.check ?? true) && code !== 0) reject(new Error(`${shown}: exit ${String(code ?? signal)}: ${stderr.trim() || stdout.trim()}`))
      else resolve(res)
    })
    child.stdin.on('error', () => { /* command ignored its stdin */ })
    child.stdin.end(opts.input ?? '')
  })
}

/** Thrown from a probe to stop waiting at once (e.g. the daemon died). */
export class AbortWait extends Error {}

export interface WaitOptions {
  timeoutMs?: number
  intervalMs?: number
  /** Hard cap on tries, independent of the clock. */
  maxTries?: number
}

/**
 * Polls `probe` until it returns something other than undefined/false/null.
 * Bounded by maxTries and timeoutMs; the error names what was awaited and the
 * last probe failure.
 */
export async function waitFor<T> (what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, opts: WaitOptions = {}): Promise<T> {
  const timeoutMs = opts.timeoutMs ?? 10_000
  const intervalMs = opts.intervalMs ?? 100
  const maxTries = opts.maxTries ?? Math.ceil(timeoutMs / intervalMs) + 1
  const deadline = Date.now() + timeoutMs
  let lastErr: unknown
  for (let i = 0; i < maxTries; i++) {
    try {
      const v = await probe()
      if (v !== undefined && v !== null && v !== false) return v
      lastErr = undefined
    } catch (err) {
      if (err instanceof AbortWait) throw err
      lastErr = err
    }
    if (Date.now() >= deadline) break
    await sleep(Math.min(intervalMs, Math.max(0, deadline - Date.now())))
  }
  const why = lastErr === undefined ? '' : `: ${(lastErr as Error).message}`
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${why}`)
}

export interface SpawnOptions {
  name: string
  cmd: string
  args: readonly string[]
  netns?: string
  logFile: string
  registry: CleanupRegistry
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** SIGTERM → SIGKILL grace period (default 2000 ms). */
  killGraceMs?: number
}

export interface ExitInfo { code: number | null, signal: NodeJS.Signals | null }

export class LabProcess {
  readonly name: string
  readonly pid: number
  readonly logFile: string
  readonly child: ChildProcess
  readonly exited: Promise<ExitInfo>
  exitInfo: ExitInfo | undefined
  private readonly graceMs: number
  private readonly release: () => Promise<void>

  constructor (opts: SpawnOptions) {
    const [file, argv] = netnsWrap(opts.cmd, opts.args, opts.netns)
    const fd = openSync(opts.logFile, 'a')
    try {
      this.child = spawn(file, argv, { stdio: ['ignore', fd, fd], env: opts.env ?? process.env, cwd: opts.cwd, detached: false })
    } finally {
      closeSync(fd)
    }
    if (this.child.pid === undefined) throw new Error(`spawn ${opts.cmd} failed (not installed?)`)
    this.name = opts.name
    this.pid = this.child.pid
    this.logFile = opts.logFile
    this.graceMs = opts.killGraceMs ?? 2000
    this.exited = new Promise<ExitInfo>((resolve) => {
      this.child.on('exit', (code, signal) => { this.exitInfo = { code, signal }; resolve(this.exitInfo) })
      this.child.on('error', () => { this.exitInfo ??= { code: null, signal: null }; resolve(this.exitInfo) })
    })
    this.release = opts.registry.addPid(this.pid, opts.name, this.graceMs)
  }

  get running (): boolean { return this.exitInfo === undefined && pidAlive(this.pid) }

  log (): string { return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '' }

  /** Last lines of the log, for error messages. */
  tail (lines = 20): string { return this.log().split('\n').slice(-lines - 1).join('\n') }

  /** SIGSTOP: the process keeps its sockets but sends nothing (hold-timer tests). */
  pause (): void { if (this.running) process.kill(this.pid, 'SIGSTOP') }

  resume (): void { if (this.running) process.kill(this.pid, 'SIGCONT') }

  /** SIGTERM, then SIGKILL after the grace period; resolves once the PID is gone. */
  async stop (graceMs = this.graceMs): Promise<void> {
    if (this.exitInfo === undefined) {
      this.resume() // a stopped process would sit on SIGTERM until the grace runs out
      await killPid(this.pid, graceMs)
    }
    await Promise.race([this.exited, sleep(1000)])
    await this.release()
  }

  /** Fails fast (with the log tail) if the process already died. */
  assertRunning (): void {
    if (!this.running) throw new AbortWait(`${this.name} (pid ${this.pid}) exited ${JSON.stringify(this.exitInfo)}; log:\n${this.tail()}`)
  }
}

export function spawnProcess (opts: SpawnOptions): LabProcess {
  return new LabProcess(opts)
}

/** Waits for readiness, failing at once (with the log tail) if the process dies first. */
export async function waitReady<T> (p: LabProcess, what: string, probe: () => Promise<T | undefined | null | false>, opts: WaitOptions = {}): Promise<T> {
  return await waitFor(`${p.name}: ${what}`, async () => {
    p.assertRunning()
    return await probe()
  }, opts)
}

/** A TCP port free on `host` right now (the kernel picks it; racy only against other processes). */
export async function freeTcpPort (host = '127.0.0.1'): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer()
    srv.on('error', reject)
    srv.listen(0, host, () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0
      srv.close(() => { resolve(port) })
    })
  })
}

/** Which of these commands are not on PATH (or at an absolute path). */
export async function missingCommands (cmds: readonly string[]): Promise<string[]> {
  const missing: string[] = []
  for (const c of cmds) {
    const r = await exec('sh', ['-c', 'command -v "$1"', 'sh', c], { check: false, timeoutMs: 5000 })
    if (r.code !== 0) missing.push(c)
  }
  return missing
}

/**
 * exec check: `/bin/sh -c COMMAND`, exit status 0 = healthy. The shell leads its own process
 * group (detached: setsid), so a timeout kills everything the command started with one
 * SIGKILL to the group; the group is also killed after a normal exit, so a check that leaves
 * background children behind cannot accumulate them (bounded cost).
 */
import { spawn } from 'node:child_process'
import type { ProbeResult } from './probe.js'

/** Bytes of output kept. */
const MAX_OUTPUT = 1024

export interface ShellResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly timedOut: boolean
  readonly pid: number | undefined
  /** stdout then stderr interleaved as they came, at most MAX_OUTPUT bytes. */
  readonly output: string
  /** Set when /bin/sh could not be started. */
  readonly error: string | null
}

/** Run COMMAND in its own process group; abort (or exit) kills the whole group. Never rejects. */
export function runShell(command: string, signal: AbortSignal): Promise<ShellResult> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ code: null, signal: null, timedOut: true, pid: undefined, output: '', error: null })
    let output = ''
    let done = false
    let timedOut = false
    const child = spawn('/bin/sh', ['-c', command], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
    const keep = (b: Buffer): void => {
      if (output.length < MAX_OUTPUT) output += b.toString('utf8', 0, Math.min(b.length, MAX_OUTPUT - output.length))
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    const killGroup = (): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        // ESRCH: the group is already gone
      }
    }
    const onAbort = (): void => {
      timedOut = true
      killGroup()
    }
    signal.addEventListener('abort', onAbort, { once: true })
    const finish = (code: number | null, sig: NodeJS.Signals | null, error: string | null): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      killGroup()
      child.stdout.destroy()
      child.stderr.destroy()
      resolve({ code, signal: sig, timedOut, pid: child.pid, output, error })
    }
    child.on('error', (e) => finish(null, null, e.message))
    child.on('exit', (code, sig) => finish(code, sig, null))
  })
}

export async function probeExec(command: string, signal: AbortSignal): Promise<ProbeResult> {
  if (signal.aborted) return { ok: false, detail: 'timeout before start' }
  const r = await runShell(command, signal)
  const line = r.output.trim().split('\n')[0] ?? ''
  const tail = line === '' ? '' : `: ${line}`
  if (r.error !== null) return { ok: false, detail: `cannot run /bin/sh: ${r.error}` }
  if (r.timedOut) return { ok: false, detail: `timeout, process group ${r.pid} killed${tail}` }
  if (r.code === 0) return { ok: true, detail: `exit 0${tail}` }
  return { ok: false, detail: (r.code !== null ? `exit ${r.code}` : `killed by ${r.signal}`) + tail }
}

/**
 * `tsbgp run --config FILE [--log-level L]` and `tsbgp check-config FILE [--json]`.
 *
 * Exit codes (sysexits.h): 0 clean shutdown, 78 EX_CONFIG (bad config; FILE:LINE:COL messages on stderr),
 * 69 EX_UNAVAILABLE (the BGP listen port, control socket or metrics endpoint cannot be bound),
 * 70 EX_SOFTWARE (anything else).
 *
 * Signals: SIGTERM / SIGINT start the RFC 8326 graceful shutdown (a second one skips the drain wait),
 * SIGHUP reloads the config file (an invalid file is logged and the running config kept).
 *
 * Logs are pino JSON lines on stdout; when stdout is a terminal they are shown as one short human line
 * each (a tiny formatter, no pino-pretty).
 */
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'
import { stringify } from 'yaml'
import { ConfigError, formatIssue } from '../daemon/config/errors.js'
import { loadConfig } from '../daemon/config/load.js'
import type { DaemonConfig, LogLevel } from '../daemon/config/types.js'
import { Daemon, DaemonBindError } from '../daemon/daemon.js'

export const EX_OK = 0
export const EX_UNAVAILABLE = 69
export const EX_SOFTWARE = 70
export const EX_CONFIG = 78

export interface RunIo {
  out: NodeJS.WritableStream & { isTTY?: boolean }
  err: NodeJS.WritableStream
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const SKIP = new Set(['level', 'time', 'msg', 'pid', 'hostname'])

/** One pino JSON line → `12:00:01.234 INFO  msg key=value ...`. */
export function formatLogLine(line: string): string {
  let o: Record<string, unknown>
  try {
    o = JSON.parse(line) as Record<string, unknown>
  } catch {
    return line
  }
  const t = typeof o.time === 'number' ? new Date(o.time).toISOString().slice(11, 23) : ''
  const lvl = (LEVELS[o.level as number] ?? String(o.level)).padEnd(5)
  const kv = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/\s/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
  return `${t} ${lvl} ${String(o.msg ?? '')}${kv.length > 0 ? ' ' + kv.join(' ') : ''}`
}

function humanStream(out: NodeJS.WritableStream): Writable {
  let rest = ''
  return new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = rest + chunk.toString('utf8')
      const lines = text.split('\n')
      rest = lines.pop() ?? ''
      for (const l of lines) if (l !== '') out.write(formatLogLine(l) + '\n')
      cb()
    },
  })
}

export function makeLogger(level: LogLevel, out: RunIo['out']): Logger {
  const dest = out.isTTY === true ? humanStream(out) : (out as Writable)
  return pino({ level, base: { pid: process.pid } }, dest)
}

async function load(file: string, io: RunIo): Promise<DaemonConfig | null> {
  try {
    const { config, warnings } = await loadConfig(file)
    for (const w of warnings) io.err.write(formatIssue(w) + '\n')
    return config
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const i of e.issues) io.err.write(formatIssue(i) + '\n')
      return null
    }
    throw e
  }
}

/** `tsbgp check-config FILE`: validate, print the effective config (YAML, or JSON with --json). */
export async function checkConfig(file: string, json: boolean, io: RunIo): Promise<number> {
  const cfg = await load(file, io)
  if (cfg === null) return EX_CONFIG
  try {
    // The policy compiler runs too: a rule that does not compile is a config error.
    new Daemon(cfg, { logger: pino({ level: 'silent' }), control: false, metrics: false })
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const i of e.issues) io.err.write(formatIssue(i) + '\n')
      return EX_CONFIG
    }
    throw e
  }
  io.out.write(json ? JSON.stringify(cfg, null, 2) + '\n' : stringify(cfg))
  return EX_OK
}

export interface RunOptions {
  config: string
  logLevel?: LogLevel
  io?: RunIo
  /** Signals to handle; tests may pass an EventEmitter-like process. */
  proc?: NodeJS.EventEmitter
}

/** `tsbgp run`: resolves with the exit code once the daemon has shut down (or failed to start). */
export async function runDaemon(o: RunOptions): Promise<number> {
  const io = o.io ?? { out: process.stdout, err: process.stderr }
  const proc = o.proc ?? process
  const cfg = await load(o.config, io)
  if (cfg === null) return EX_CONFIG
  const log = makeLogger(o.logLevel ?? cfg.log.level, io.out)
  let daemon: Daemon
  try {
    daemon = new Daemon(cfg, { logger: log, configPath: o.config })
  } catch (e) {
    if (e instanceof ConfigError) {
      for (const i of e.issues) io.err.write(formatIssue(i) + '\n')
      return EX_CONFIG
    }
    io.err.write(`tsbgp: ${(e as Error).stack ?? String(e)}\n`)
    return EX_SOFTWARE
  }
  try {
    await daemon.start()
  } catch (e) {
    if (e instanceof DaemonBindError) {
      io.err.write(`tsbgp: ${e.message}\n`)
      return EX_UNAVAILABLE
    }
    io.err.write(`tsbgp: ${(e as Error).stack ?? String(e)}\n`)
    return EX_SOFTWARE
  }
  return await new Promise<number>((resolve) => {
    let stopping: Promise<void> | null = null
    const onStop = (sig: string): void => {
      log.info({ event: 'signal', signal: sig }, stopping === null ? `${sig}: graceful shutdown` : `${sig} again: skipping the drain wait`)
      const p = daemon.shutdown(sig)
      if (stopping !== null) return
      stopping = p
      p.then(
        () => finish(EX_OK),
        (e: Error) => {
          io.err.write(`tsbgp: shutdown failed: ${e.stack ?? e.message}\n`)
          finish(EX_SOFTWARE)
        },
      )
    }
    const onTerm = (): void => onStop('SIGTERM')
    const onInt = (): void => onStop('SIGINT')
    const onHup = (): void => {
      log.info({ event: 'signal', signal: 'SIGHUP' }, 'SIGHUP: reloading the config')
      daemon.reload().catch(() => {
        /* logged by the daemon; the running config stays */
      })
    }
    const onFatal = (e: unknown): void => {
      io.err.write(`tsbgp: internal error: ${(e as Error)?.stack ?? String(e)}\n`)
      finish(EX_SOFTWARE)
      // Sessions and timers may still hold the event loop: a daemon in an unknown state must exit.
      if (proc === process) setTimeout(() => process.exit(EX_SOFTWARE), 1000).unref()
    }
    const finish = (code: number): void => {
      proc.off('SIGTERM', onTerm)
      proc.off('SIGINT', onInt)
      proc.off('SIGHUP', onHup)
      proc.off('uncaughtException', onFatal)
      proc.off('unhandledRejection', onFatal)
      log.flush?.()
      resolve(code)
    }
    proc.on('SIGTERM', onTerm)
    proc.on('SIGINT', onInt)
    proc.on('SIGHUP', onHup)
    proc.on('uncaughtException', onFatal)
    proc.on('unhandledRejection', onFatal)
  })
}

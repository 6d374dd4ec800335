/**
 * What every check kind provides: a probe that runs once, honours an AbortSignal (the runner's
 * timeout) by releasing everything it holds at once, and never rejects.
 */
import type { CheckSpec } from '../config/types.js'
import { probeDns } from './dns.js'
import { probeExec } from './exec.js'
import { probeFile } from './file.js'
import { probeHttp } from './http.js'
import { probeProcess } from './process.js'
import { probeTcp } from './tcp.js'

export interface ProbeResult {
  readonly ok: boolean
  /** One line for logs and events: why it failed, or what it saw. */
  readonly detail: string
  /** file checks: the maintenance flag is present. */
  readonly maintenance?: boolean
  /** process checks: the pid that was looked at (the runner watches it between probes). */
  readonly pid?: number
}

export type Probe = (signal: AbortSignal) => Promise<ProbeResult>

export function probeFor(spec: CheckSpec): Probe {
  switch (spec.kind) {
    case 'exec':
      return (signal) => probeExec(spec.command, signal)
    case 'tcp':
      return (signal) => probeTcp(spec.host, spec.port, signal)
    case 'http':
      return (signal) => probeHttp(spec, signal)
    case 'dns':
      return (signal) => probeDns(spec, signal)
    case 'file':
      return () => probeFile(spec.path)
    case 'process':
      return () => probeProcess(spec)
  }
}

/** A failure detail from an error, without stack: "ECONNREFUSED", "timeout after 200ms". */
export function errorDetail(e: unknown): string {
  const err = e as NodeJS.ErrnoException
  return err?.code ?? err?.message ?? String(e)
}

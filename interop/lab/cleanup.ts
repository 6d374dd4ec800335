// Lab resource registry: every namespace, link, process and temp dir the lab
// creates is recorded here and torn down in reverse order of creation, on
// success, on failure, on SIGINT/SIGTERM and at process exit.
//
// Why reverse order: a daemon runs inside a namespace that was created before
// it, so it must die before `ip netns del` (a namespace with live processes
// lingers as an anonymous netns and keeps its veth ends alive).
//
// Each entry has an async undo (graceful: SIGTERM then SIGKILL) and a sync
// undo (for the 'exit' event and signal handlers, where no await is possible).
// Undo runs at most once per entry; errors are collected, never thrown midway.

import { execFileSync, spawnSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export type CleanupKind = 'netns' | 'link' | 'pid' | 'dir' | 'fn'

export interface CleanupEntry {
  readonly kind: CleanupKind
  readonly label: string
  readonly undo: () => Promise<void>
  readonly undoSync: () => void
  done: boolean
}

/** Process-wide set of live registries, drained by the exit/signal hooks. */
const liveRegistries = new Set<CleanupRegistry>()
let hooksInstalled = false

function installProcessHooks (): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', () => { for (const r of liveRegistries) r.runAllSync() })
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      for (const r of liveRegistries) r.runAllSync()
      process.removeListener(sig, onSignal)
      // Re-raise always: a lab process dies by the signal after its teardown.
      // Deferring to other listeners deadlocks with signal-exit (tap's
      // processinfo), which itself re-raises only when it is the sole
      // listener; once ours is removed, it is, and it re-raises.
      process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

export class CleanupRegistry {
  readonly entries: CleanupEntry[] = []
  readonly name: string

  constructor (name = 'lab') {
    this.name = name
    installProcessHooks()
    liveRegistries.add(this)
  }

  /** Records an undo; returns a function that runs (and forgets) this entry early. */
  add (kind: CleanupKind, label: string, undo: () => Promise<void>, undoSync: () => void): () => Promise<void> {
    const e: CleanupEntry = { kind, label, undo, undoSync, done: false }
    this.entries.push(e)
    liveRegistries.add(this)
    return async () => { await this.runEntry(e) }
  }

  addNetns (name: string): () => Promise<void> {
    return this.add('netns', name, async () => { deleteNetnsSync(name) }, () => { deleteNetnsSync(name) })
  }

  addLink (ifname: string, netns?: string): () => Promise<void> {
    const f = (): void => { deleteLinkSync(ifname, netns) }
    return this.add('link', netns === undefined ? ifname : `${netns}/${ifname}`, async () => { f() }, f)
  }

  addDir (path: string): () => Promise<void> {
    const f = (): void => { rmSync(path, { recursive: true, force: true }) }
    return this.add('dir', path, async () => { f() }, f)
  }

  /** A PID: SIGTERM, wait up to graceMs, then SIGKILL. */
  addPid (pid: number, label: string, graceMs = 2000): () => Promise<void> {
    assertPid(pid)
    return this.add('pid', `${label}[${pid}]`, async () => { await killPid(pid, graceMs) }, () => { killPidSync(pid) })
  }

  private async runEntry (e: CleanupEntry): Promise<Error | undefined> {
    if (e.done) return undefined
    e.done = true
    try {
      await e.undo()
      return undefined
    } catch (err) {
      try { e.undoSync() } catch { /* best effort */ }
      return new Error(`cleanup ${e.kind} ${e.label}: ${(err as Error).message}`)
    }
  }

  /** Tears everything down in reverse order; idempotent; returns the errors met. */
  async runAll (): Promise<Error[]> {
    const errors: Error[] = []
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const err = await this.runEntry(this.entries[i])
      if (err !== undefined) errors.push(err)
    }
    this.entries.length = 0
    liveRegistries.delete(this)
    return errors
  }

  runAllSync (): void {
    for (let i = this.entries.length - 1; i >= 0; i--) {
      const e = this.entries[i]
      if (e.done) continue
      e.done = true
      try { e.undoSync() } catch { /* exit path: nothing left to report to */ }
    }
    this.entries.length = 0
    liveRegistries.delete(this)
  }

  get size (): number { return this.entries.filter((e) => !e.done).length }
}

/** pid 0 / negative would signal a whole process group: never. */
function assertPid (pid: number): void {
  if (!Number.isInteger(pid) || pid <= 1) throw new Error(`refusing to signal pid ${pid}`)
}

export function pidAlive (pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  // A zombie still answers kill(0); it is dead for our purposes.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z'
  } catch {
    return false
  }
}

function signal (pid: number, sig: NodeJS.Signals): void {
  assertPid(pid)
  try { process.kill(pid, sig) } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

export async function killPid (pid: number, graceMs = 2000, pollMs = 25): Promise<void> {
  if (!pidAlive(pid)) return
  signal(pid, 'SIGTERM')
  signal(pid, 'SIGCONT') // a SIGSTOPped process takes SIGTERM only once continued
  const tries = Math.max(1, Math.ceil(graceMs / pollMs))
  for (let i = 0; i < tries && pidAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, pollMs))
  if (!pidAlive(pid)) return
  signal(pid, 'SIGKILL')
  for (let i = 0; i < 40 && pidAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, pollMs))
  if (pidAlive(pid)) throw new Error(`pid ${pid} survived SIGKILL`)
}

export function killPidSync (pid: number): void {
  if (pidAlive(pid)) signal(pid, 'SIGKILL')
}

export function deleteNetnsSync (name: string): void {
  // Kill whatever still runs inside, or the namespace outlives `ip netns del`.
  for (const pid of netnsPidsSync(name)) killPidSync(pid)
  const r = spawnSync('ip', ['netns', 'del', name], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0 && !/No such file|not found|Invalid argument/i.test(r.stderr)) {
    throw new Error(`ip netns del ${name}: ${r.stderr.trim()}`)
  }
}

export function deleteLinkSync (ifname: string, netns?: string): void {
  const args = netns === undefined ? ['link', 'del', ifname] : ['-n', netns, 'link', 'del', ifname]
  const r = spawnSync('ip', args, { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0 && !/Cannot find device|does not exist|Invalid netns|No such file/i.test(r.stderr)) {
    throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`)
  }
}

export function netnsPidsSync (name: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', name], { encoding: 'utf8', timeout: 10_000 })
  if (r.status !== 0) return []
  return r.stdout.split(/\s+/).filter((s) => s !== '').map(Number).filter((n) => n !== process.pid)
}

export function listNetnsSync (): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', timeout: 10_000 })
  return out.split('\n').map((l) => l.trim().split(/\s+/)[0]).filter((n) => n !== undefined && n !== '')
}

/** `tsbgp-<pid>-...` names carry their owner's PID; null when the name has none. */
export function ownerPid (name: string, prefix: string): number | null {
  if (!name.startsWith(prefix)) return null
  const m = /^(\d+)-/.exec(name.slice(prefix.length))
  return m === null ? null : Number(m[1])
}

export interface SweepReport { netns: string[], pids: number[], dirs: string[] }

/**
 * Removes leftovers of crashed runs whose names start with `prefix`
 * (namespaces, processes whose command line names a lab path, temp dirs).
 * Only names of the form `<prefix><pid>-...` are considered, and only when
 * that owner PID is dead: a live run is kept, so parallel runs never sweep
 * each other, and unrelated names under the prefix are never touched.
 */
export function sweepStale (prefix: string): SweepReport {
  if (prefix.length < 3) throw new Error(`sweepStale: prefix ${JSON.stringify(prefix)} is too broad`)
  const report: SweepReport = { netns: [], pids: [], dirs: [] }
  const isStale = (name: string): boolean => {
    if (!name.startsWith(prefix)) return false
    // Only names carrying an owner PID are ours to judge; anything else under
    // the prefix (another tool's temp dir) is left alone.
    const owner = ownerPid(name, prefix)
    return owner !== null && owner !== process.pid && !pidAlive(owner)
  }
  const staleNames = new Set<string>()
  for (const ns of listNetnsSync()) if (isStale(ns)) staleNames.add(ns)
  let tmpEntries: string[] = []
  try { tmpEntries = readdirSync(tmpdir()) } catch { /* no tmp: nothing to sweep */ }
  const staleDirs = tmpEntries.filter(isStale).map((d) => join(tmpdir(), d))
  // Processes: any whose command line mentions a stale namespace's name or a stale dir.
  const needles = [...staleNames, ...staleDirs]
  if (needles.length > 0) {
    for (const ent of readdirSync('/proc')) {
      if (!/^\d+$/.test(ent)) continue
      const pid = Number(ent)
      if (pid === process.pid) continue
      let cmd = ''
      try { cmd = readFileSync(`/proc/${ent}/cmdline`, 'latin1').replace(/\0/g, ' ') } catch { continue }
      if (needles.some((n) => cmd.includes(n))) { killPidSync(pid); report.pids.push(pid) }
    }
  }
  for (const ns of staleNames) {
    for (const pid of netnsPidsSync(ns)) { killPidSync(pid); report.pids.push(pid) }
    deleteNetnsSync(ns)
    report.netns.push(ns)
  }
  for (const d of staleDirs) { rmSync(d, { recursive: true, force: true }); report.dirs.push(d) }
  return report
}

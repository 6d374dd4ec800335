/**
 * dynamic-med: a command printing, or a file holding, one integer used as the service's MED
 * (e.g. derived from load, so busier instances look farther away to the neighbor AS).
 * Read every interval, one read in flight, the command killed (process group) at the interval.
 * A value that is missing or not an integer 0..4294967295 reverts to the configured MED
 * (null), so a broken script cannot pin a stale value. Reports only changes.
 */
import { readFile } from 'node:fs/promises'
import type { DynamicMedConfig } from './config/types.js'
import { runShell } from './checks/exec.js'

export class DynamicMed {
  private timer: NodeJS.Timeout | null = null
  private busy: Promise<void> | null = null
  private controller: AbortController | null = null
  private last: number | null | undefined = undefined

  constructor(
    private readonly cfg: DynamicMedConfig,
    private readonly onMed: (med: number | null, detail: string) => void,
  ) {}

  start(): void {
    if (this.timer !== null) return
    this.timer = setInterval(() => void this.readOnce(), this.cfg.intervalMs)
    void this.readOnce()
  }

  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer)
    this.timer = null
    this.controller?.abort()
    await this.busy
  }

  /** One read now (skipped while one is in flight). */
  readOnce(): Promise<void> {
    if (this.busy !== null) return this.busy
    this.busy = this.read().then(
      (r) => {
        this.busy = null
        if (r.med !== this.last) {
          this.last = r.med
          this.onMed(r.med, r.detail)
        }
      },
      () => {
        this.busy = null
      },
    )
    return this.busy
  }

  private async read(): Promise<{ med: number | null; detail: string }> {
    let text: string
    let source: string
    if (this.cfg.file !== null) {
      source = this.cfg.file
      try {
        text = await readFile(this.cfg.file, 'utf8')
      } catch (e) {
        return { med: null, detail: `${source}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }
      }
    } else {
      source = this.cfg.command ?? ''
      this.controller = new AbortController()
      const t = setTimeout(() => this.controller?.abort(), this.cfg.intervalMs)
      const r = await runShell(source, this.controller.signal)
      clearTimeout(t)
      this.controller = null
      if (r.code !== 0) return { med: null, detail: `${source}: ${r.timedOut ? 'timeout' : `exit ${r.code ?? r.signal}`}` }
      text = r.output
    }
    const m = /^\s*(\d{1,10})\s*$/.exec(text)
    const med = m === null ? NaN : Number(m[1])
    if (!(med <= 4294967295)) return { med: null, detail: `${source}: not a MED: ${JSON.stringify(text.slice(0, 40))}` }
    return { med, detail: `${source}: ${med}` }
  }
}

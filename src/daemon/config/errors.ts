/**
 * Config file problems, each pinned to a place: `FILE:LINE:COL: key.path: message`.
 * Loading collects every problem of the file before failing, so one run shows them all;
 * warnings never stop loading and are returned beside the config.
 */

export interface ConfigIssue {
  readonly severity: 'error' | 'warning'
  readonly file: string
  /** 1-based; 0 when the problem has no place in the text (an unreadable file). */
  readonly line: number
  readonly col: number
  /** Dotted path with list indices: `services[0].check.interval`; '' for the whole document. */
  readonly keyPath: string
  readonly message: string
}

export function formatIssue(i: ConfigIssue): string {
  const where = i.line > 0 ? `${i.file}:${i.line}:${i.col}` : i.file
  const warn = i.severity === 'warning' ? 'warning: ' : ''
  return i.keyPath === '' ? `${where}: ${warn}${i.message}` : `${where}: ${warn}${i.keyPath}: ${i.message}`
}

/** The config was rejected. Fields describe the first error; `issues` holds all of them (errors, then warnings). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly file: string
  readonly line: number
  readonly col: number
  readonly keyPath: string
  readonly reason: string
  readonly issues: readonly ConfigIssue[]

  constructor(issues: readonly ConfigIssue[]) {
    const errors = issues.filter((i) => i.severity === 'error')
    const first = errors[0] ?? issues[0]
    if (first === undefined) throw new TypeError('ConfigError without issues')
    super(errors.map(formatIssue).join('\n'))
    this.file = first.file
    this.line = first.line
    this.col = first.col
    this.keyPath = first.keyPath
    this.reason = first.message
    this.issues = issues
  }
}

/**
 * Durations in the config file: "500ms", "1s", "2m", "1h", Go-style compounds ("1m30s"),
 * or a plain number of seconds (1, 0.5). Internally everything is integer milliseconds
 * (`...Ms` names), so units cannot mix.
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h)/y

/** Milliseconds, or a string saying why the value is not a duration. */
export function parseDurationMs(v: unknown): number | string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v) || v < 0) return `must be a non-negative number of seconds, got ${v}`
    return Math.round(v * 1000)
  }
  if (typeof v !== 'string') return `must be a duration like "1s", "500ms", "2m" or a number of seconds`
  const s = v.trim()
  if (/^\d+(\.\d+)?$/.test(s)) return Math.round(Number(s) * 1000)
  if (s === '') return 'empty duration'
  let ms = 0
  PART.lastIndex = 0
  while (PART.lastIndex < s.length) {
    const at = PART.lastIndex
    const m = PART.exec(s)
    if (m === null || m.index !== at) return `"${v}" is not a duration (use e.g. "1s", "500ms", "2m", "1m30s")`
    ms += Number(m[1]) * UNIT_MS[m[2]!]!
  }
  return Math.round(ms)
}

/** "1.5s", "250ms", "2m" — the shortest exact text, for messages and docs. */
export function formatDurationMs(ms: number): string {
  if (ms !== 0 && ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  if (ms > 1000 && ms % 100 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

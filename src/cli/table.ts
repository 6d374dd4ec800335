/**
 * Plain-text tables for the CLI: columns separated by two spaces, padded to the widest cell,
 * numbers right-aligned. No colours, no box drawing, no dependency: the output stays greppable
 * and `awk`-able, and `--json` exists for machines.
 *
 * StreamTable is for row streams (`tsbgp routes` over a full table): it holds the first
 * `sample` rows to size the columns, then writes every further row at once with those widths
 * (a longer cell just pushes its line to the right), so memory stays bounded whatever the count.
 */

export type Align = 'left' | 'right'

export interface Column {
  header: string
  align?: Align
}

export type Cell = string | number | null | undefined

function text(c: Cell): string {
  return c === null || c === undefined || c === '' ? '-' : String(c)
}

function pad(s: string, width: number, align: Align): string {
  if (s.length >= width) return s
  const fill = ' '.repeat(width - s.length)
  return align === 'right' ? fill + s : s + fill
}

function widthsOf(columns: readonly Column[], rows: readonly string[][]): number[] {
  const w = columns.map((c) => c.header.length)
  for (const r of rows) for (let i = 0; i < w.length; i++) w[i] = Math.max(w[i]!, r[i]?.length ?? 0)
  return w
}

function line(columns: readonly Column[], widths: readonly number[], cells: readonly string[]): string {
  const parts: string[] = []
  const last = columns.length - 1
  for (let i = 0; i <= last; i++) {
    const align = columns[i]!.align ?? 'left'
    const s = cells[i] ?? '-'
    // No trailing blanks: the last column is not padded when left-aligned.
    parts.push(i === last && align === 'left' ? s : pad(s, widths[i]!, align))
  }
  return parts.join('  ') + '\n'
}

/** The whole table as text (header line included). */
export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const cells = rows.map((r) => columns.map((_, i) => text(r[i])))
  const widths = widthsOf(columns, cells)
  let out = line(columns, widths, columns.map((c) => c.header))
  for (const r of cells) out += line(columns, widths, r)
  return out
}

/** Key/value lines ("key:  value") aligned on the values. */
export function renderFields(fields: ReadonlyArray<readonly [string, Cell]>): string {
  const w = Math.max(0, ...fields.map(([k]) => k.length + 1))
  return fields.map(([k, v]) => `${pad(k + ':', w, 'left')}  ${text(v)}\n`).join('')
}

export class StreamTable {
  private held: string[][] | null = []
  private widths: number[] = []
  /** Rows pushed so far. */
  rows = 0

  constructor(
    private readonly columns: readonly Column[],
    private readonly sample = 200,
  ) {}

  /** Adds a row; returns the text to write now ('' while the first rows are being sampled). */
  push(row: readonly Cell[]): string {
    const cells = this.columns.map((_, i) => text(row[i]))
    this.rows++
    if (this.held !== null) {
      this.held.push(cells)
      return this.held.length >= this.sample ? this.release() : ''
    }
    return line(this.columns, this.widths, cells)
  }

  /** Text still held (call at the end of the stream; prints the header even for zero rows). */
  end(): string {
    return this.held !== null ? this.release() : ''
  }

  private release(): string {
    const held = this.held ?? []
    this.held = null
    this.widths = widthsOf(this.columns, held)
    let out = line(this.columns, this.widths, this.columns.map((c) => c.header))
    for (const r of held) out += line(this.columns, this.widths, r)
    return out
  }
}

/** "3d4h", "2h5m", "4m12s", "9s"; 0 = "-" (not up). */
export function formatDuration(ms: number): string {
  if (!(ms > 0)) return '-'
  let s = Math.floor(ms / 1000)
  const d = Math.floor(s / 86400)
  s -= d * 86400
  const h = Math.floor(s / 3600)
  s -= h * 3600
  const m = Math.floor(s / 60)
  s -= m * 60
  if (d > 0) return `${d}d${h}h`
  if (h > 0) return `${h}h${m}m`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}

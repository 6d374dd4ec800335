/**
 * Text rendering for `tsbgp demo`: the border router's view as a table, headlines, notes. Plain text with
 * optional ANSI colour (only on a TTY, never with NO_COLOR); widths are computed on the plain text so
 * colour never shifts a column.
 */
import type { RouterView, ViewPath } from '../daemon/demo/router.js'

export interface Style {
  bold(s: string): string
  dim(s: string): string
  green(s: string): string
  yellow(s: string): string
  red(s: string): string
  cyan(s: string): string
}

const id = (s: string): string => s
export const PLAIN: Style = { bold: id, dim: id, green: id, yellow: id, red: id, cyan: id }

const sgr = (on: number, off: number) => (s: string): string => `\x1b[${on}m${s}\x1b[${off}m`
export const ANSI: Style = { bold: sgr(1, 22), dim: sgr(2, 22), green: sgr(32, 39), yellow: sgr(33, 39), red: sgr(31, 39), cyan: sgr(36, 39) }

export const CHECK = '✓'

interface Cell {
  text: string
  paint?: (s: string) => string
  right?: boolean
}

/** Columns padded to the widest cell, two spaces apart, `indent` before each line. */
export function renderCells(header: readonly string[], rows: readonly (readonly Cell[])[], st: Style, indent = '  '): string {
  const w = header.map((h) => h.length)
  for (const r of rows) r.forEach((c, i) => (w[i] = Math.max(w[i] ?? 0, c.text.length)))
  const fmt = (cells: readonly Cell[]): string =>
    indent +
    cells
      .map((c, i) => {
        const fill = ' '.repeat(Math.max(0, w[i]! - c.text.length))
        const s = c.paint === undefined || c.text === '' ? c.text : c.paint(c.text)
        return i === cells.length - 1 && !c.right ? s : c.right ? fill + s : s + fill
      })
      .join('  ')
      .trimEnd()
  const head = fmt(header.map((h) => ({ text: h, paint: st.dim })))
  return [head, ...rows.map(fmt)].join('\n')
}

function communitiesText(p: ViewPath): string {
  const parts = [...p.largeCommunities, ...p.communities.map((c) => (c === '65535:0' ? '65535:0 GSHUT' : c))]
  return parts.length === 0 ? '-' : parts.join(' ')
}

/** The router's paths to `prefixes`: one row per path, best and ECMP marked. */
export function renderView(v: RouterView, prefixes: readonly string[], st: Style): string {
  const rows: Cell[][] = []
  for (const prefix of prefixes) {
    const paths = v.paths.filter((p) => p.prefix === prefix).sort((a, b) => a.instance.localeCompare(b.instance))
    if (paths.length === 0) rows.push([{ text: prefix }, { text: '(no path: unreachable)', paint: st.red }])
    paths.forEach((p, i) => {
      const lp = String(p.localPref)
      rows.push([
        { text: i === 0 ? prefix : '' },
        { text: p.instance, paint: p.ecmp ? st.bold : st.dim },
        { text: p.nextHop ?? '-' },
        { text: p.med === null ? '-' : String(p.med), right: true },
        { text: lp, right: true, paint: p.localPref === 0 ? st.yellow : undefined },
        { text: communitiesText(p), paint: p.gshut ? st.yellow : undefined },
        { text: p.best ? CHECK : '', paint: st.green },
        { text: p.ecmp ? CHECK : '', paint: st.green },
      ])
    })
  }
  return renderCells(['prefix', 'from', 'next hop', 'MED', 'LOCAL_PREF', 'communities', 'best', 'ECMP'], rows, st)
}

/** Per-instance prefixes: how to tell the instances apart from the router. */
export function renderInstances(v: RouterView, prefixes: readonly string[], st: Style): string {
  const rows: Cell[][] = []
  for (const prefix of prefixes) {
    for (const p of v.paths.filter((x) => x.prefix === prefix)) {
      rows.push([{ text: prefix }, { text: p.instance, paint: st.bold }, { text: p.nextHop ?? '-' }, { text: p.largeCommunities.join(' ') || '-' }])
    }
  }
  return renderCells(['unique prefix', 'instance', 'next hop', 'instance community'], rows, st)
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`
}

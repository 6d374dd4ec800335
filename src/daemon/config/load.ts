/**
 * Load the daemon config: read the file, parse YAML with positions (LineCounter), validate the
 * schema, return the effective config plus warnings, or throw one ConfigError listing every
 * problem as FILE:LINE:COL: key.path: message.
 */
import { readFile } from 'node:fs/promises'
import { LineCounter, parseDocument } from 'yaml'
import { ConfigError, type ConfigIssue } from './errors.js'
import { Reader } from './reader.js'
import { parseConfig } from './schema.js'
import type { DaemonConfig } from './types.js'

export interface LoadedConfig {
  readonly config: DaemonConfig
  readonly warnings: readonly ConfigIssue[]
}

/** Validate config text; `file` is only used in messages. Throws ConfigError. */
export function parseConfigText(text: string, file: string): LoadedConfig {
  const lc = new LineCounter()
  // uniqueKeys (default): a repeated key is an error, never a silent override.
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, strict: true, uniqueKeys: true })
  const r = new Reader(file, lc, doc)
  if (doc.errors.length > 0) {
    for (const e of doc.errors) {
      const p = lc.linePos(e.pos[0])
      r.issues.push({ severity: 'error', file, line: p.line, col: p.col, keyPath: '', message: yamlMessage(e.code, e.message) })
    }
    throw new ConfigError(r.issues)
  }
  for (const w of doc.warnings) {
    const p = lc.linePos(w.pos[0])
    r.issues.push({ severity: 'warning', file, line: p.line, col: p.col, keyPath: '', message: yamlMessage(w.code, w.message) })
  }
  const config = parseConfig(r, doc)
  if (config === null || r.errorCount > 0) throw new ConfigError(sortIssues(r.issues))
  return { config, warnings: sortIssues(r.issues) }
}

export async function loadConfig(file: string): Promise<LoadedConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (e) {
    throw new ConfigError([{ severity: 'error', file, line: 0, col: 0, keyPath: '', message: `cannot read: ${(e as Error).message}` }])
  }
  return parseConfigText(text, file)
}

function yamlMessage(code: string, message: string): string {
  const text = message.replace(/ at line \d+, column \d+[\s\S]*$/, '')
  return code === 'DUPLICATE_KEY' ? 'duplicate key (each key may appear once per mapping)' : `YAML: ${text}`
}

/** Errors first, each group in file order. */
function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const rank = (i: ConfigIssue): number => (i.severity === 'error' ? 0 : 1)
  return [...issues].sort((a, b) => rank(a) - rank(b) || a.line - b.line || a.col - b.col)
}

/**
 * A cursor over the YAML document that knows where every node is, so each problem is reported
 * as FILE:LINE:COL: key.path: message. Getters report a bad value and return null, and loading
 * goes on, so one run lists every problem of the file; a null therefore means "absent or
 * already reported", and callers fall back to the default.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap } from 'yaml'
import type { ConfigIssue } from './errors.js'
import type { SourcePos } from './types.js'
import { parseDurationMs } from './duration.js'

export type YNode = Node | null | undefined

export class Reader {
  readonly issues: ConfigIssue[] = []

  constructor(
    readonly file: string,
    private readonly lc: LineCounter,
    private readonly doc: Document.Parsed | null = null,
  ) {}

  /** Follow a YAML alias (*name) to its anchored node, so shared settings can be written once. */
  deref(node: YNode): YNode {
    if (!isAlias(node) || this.doc === null) return node
    return (node.resolve(this.doc) as Node | undefined) ?? null
  }

  pos(node: YNode): SourcePos {
    const off = node?.range?.[0]
    if (off === undefined) return { file: this.file, line: 1, col: 1 }
    const p = this.lc.linePos(off)
    return { file: this.file, line: p.line, col: p.col }
  }

  error(node: YNode, keyPath: string, message: string): void {
    this.issues.push({ severity: 'error', ...this.pos(node), keyPath, message })
  }

  warn(node: YNode, keyPath: string, message: string): void {
    this.issues.push({ severity: 'warning', ...this.pos(node), keyPath, message })
  }

  get errorCount(): number {
    let n = 0
    for (const i of this.issues) if (i.severity === 'error') n++
    return n
  }

  /** A mapping with only the given keys; unknown keys are reported (with a suggestion). */
  obj(node: YNode, path: string, keys: readonly string[]): Obj | null {
    if (isAbsent(node)) return null
    if (!isMap(node)) {
      this.error(node, path, `must be a mapping (key: value), got ${describe(node)}`)
      return null
    }
    for (const pair of node.items) {
      const k = keyText(pair)
      if (k === null) {
        this.error(pair.key as Node, path, 'keys must be plain strings')
        continue
      }
      if (!keys.includes(k)) {
        const hint = suggest(k, keys)
        this.error(pair.key as Node, join(path, k), `unknown key${hint === null ? '' : ` (did you mean '${hint}'?)`}`)
      }
    }
    return new Obj(this, node, path)
  }

  /** A sequence's items with their paths; a single non-list value is reported. */
  list(node: YNode, path: string): Array<{ node: Node; path: string }> | null {
    if (isAbsent(node)) return null
    if (!isSeq(node)) {
      this.error(node, path, `must be a list, got ${describe(node)}`)
      return null
    }
    return node.items.map((n, i) => ({ node: this.deref(n as Node) as Node, path: `${path}[${i}]` }))
  }

  int(node: YNode, path: string, min: number, max: number): number | null {
    if (isAbsent(node)) return null
    const v = (node as Node & { value?: unknown }).value
    if (!isScalar(node) || typeof v !== 'number' || !Number.isInteger(v)) {
      this.error(node, path, `must be an integer, got ${describe(node)}`)
      return null
    }
    if (v < min || v > max) {
      this.error(node, path, `${v} is out of range ${min}..${max}`)
      return null
    }
    return v
  }

  bool(node: YNode, path: string): boolean | null {
    if (isAbsent(node)) return null
    if (!isScalar(node) || typeof node.value !== 'boolean') {
      this.error(node, path, `must be true or false, got ${describe(node)}`)
      return null
    }
    return node.value
  }

  str(node: YNode, path: string, nonEmpty = true): string | null {
    if (isAbsent(node)) return null
    if (!isScalar(node) || typeof node.value !== 'string') {
      this.error(node, path, `must be a string, got ${describe(node)}`)
      return null
    }
    if (nonEmpty && node.value.trim() === '') {
      this.error(node, path, 'must not be empty')
      return null
    }
    return node.value
  }

  oneOf<T extends string>(node: YNode, path: string, values: readonly T[]): T | null {
    const s = this.str(node, path)
    if (s === null) return null
    if (!(values as readonly string[]).includes(s)) {
      this.error(node, path, `must be one of ${values.join(', ')}, got '${s}'`)
      return null
    }
    return s as T
  }

  durationMs(node: YNode, path: string, minMs = 0, maxMs = 86_400_000): number | null {
    if (isAbsent(node)) return null
    const v = isScalar(node) ? node.value : undefined
    const ms = parseDurationMs(v)
    if (typeof ms === 'string') {
      this.error(node, path, ms)
      return null
    }
    if (ms < minMs || ms > maxMs) {
      this.error(node, path, `${String(v)} is out of range ${minMs}ms..${maxMs}ms`)
      return null
    }
    return ms
  }

  /** The scalar as written in the file (e.g. "1.10", "0600"), which YAML would turn into 1.1 or 600. */
  sourceText(node: YNode): string | null {
    if (!isScalar(node)) return null
    if (typeof node.value === 'string') return node.value
    return typeof node.source === 'string' ? node.source : String(node.value)
  }
}

export class Obj {
  constructor(
    readonly r: Reader,
    readonly node: YAMLMap,
    readonly path: string,
  ) {}

  get(key: string): YNode {
    for (const pair of this.node.items) if (keyText(pair) === key) return this.r.deref(pair.value as YNode)
    return undefined
  }

  has(key: string): boolean {
    return !isAbsent(this.get(key))
  }

  at(key: string): string {
    return join(this.path, key)
  }

  /** The value node, or a "missing required key" report at the mapping. */
  need(key: string): YNode {
    const n = this.get(key)
    if (isAbsent(n)) this.r.error(this.node, this.at(key), 'missing required key')
    return n
  }

  int(key: string, min: number, max: number): number | null {
    return this.r.int(this.get(key), this.at(key), min, max)
  }
  bool(key: string): boolean | null {
    return this.r.bool(this.get(key), this.at(key))
  }
  str(key: string): string | null {
    return this.r.str(this.get(key), this.at(key))
  }
  durationMs(key: string, minMs?: number, maxMs?: number): number | null {
    return this.r.durationMs(this.get(key), this.at(key), minMs, maxMs)
  }
  oneOf<T extends string>(key: string, values: readonly T[]): T | null {
    return this.r.oneOf(this.get(key), this.at(key), values)
  }
}

export function isAbsent(node: YNode): node is null | undefined {
  return node === null || node === undefined || (isScalar(node) && node.value === null)
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

function keyText(pair: Pair): string | null {
  const k = pair.key
  if (isScalar(k) && (typeof k.value === 'string' || typeof k.value === 'number')) return String(k.value)
  return null
}

export function describe(node: YNode): string {
  if (isAbsent(node)) return 'nothing'
  if (isMap(node)) return 'a mapping'
  if (isSeq(node)) return 'a list'
  if (isScalar(node)) {
    const v = node.value
    if (typeof v === 'string') return `'${v}'`
    if (typeof v === 'number' && !Number.isInteger(v)) return `a number (${node.source ?? v})`
    return `${typeof v} ${String(v)}`
  }
  return 'an alias'
}

/** The closest known key within two edits ("hold_time" -> "hold-time"), or null. */
function suggest(k: string, keys: readonly string[]): string | null {
  const norm = k.toLowerCase().replace(/_/g, '-')
  let best: string | null = null
  let bestD = 3
  for (const c of keys) {
    const d = norm === c ? 0 : editDistance(norm, c)
    if (d < bestD) {
      bestD = d
      best = c
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    prev = cur
  }
  return prev[b.length]!
}

/**
 * Schema of one health check: `{ <kind>: <target>, interval, timeout, rise, fall, ... }` where
 * exactly one kind key (exec, tcp, http, dns, file, process) names what to probe.
 * Decisions (docs/config.md): timeout > interval is rejected, because checks never overlap
 * (one in flight per check) and a longer timeout would silently stretch the interval.
 */
import { isAbsent, type Obj, type Reader, type YNode } from './reader.js'
import { formatDurationMs } from './duration.js'
import { parseEndpoint } from './values.js'
import type { CheckConfig, CheckKind, CheckSpec } from './types.js'

export const CHECK_KINDS: readonly CheckKind[] = ['exec', 'tcp', 'http', 'dns', 'file', 'process']
const COMMON_KEYS = ['name', 'interval', 'fast-interval', 'timeout', 'rise', 'fall'] as const
const KIND_KEYS: Record<CheckKind, readonly string[]> = {
  exec: [],
  tcp: [],
  http: ['status', 'body', 'body-regex'],
  dns: ['query', 'type', 'rcode'],
  file: [],
  process: ['poll'],
}
const ALL_KEYS = [...CHECK_KINDS, ...COMMON_KEYS, ...new Set(Object.values(KIND_KEYS).flat())]

export const DEFAULT_CHECK_INTERVAL_MS = 2000
export const DEFAULT_CHECK_TIMEOUT_MS = 1000
export const DEFAULT_RISE = 3
export const DEFAULT_FALL = 2
export const DEFAULT_PROCESS_POLL_MS = 10
/** RFC 1035 §4.1.1 RCODE values the dns check can expect. */
export const DNS_RCODES: Record<string, number> = { NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5 }

export function parseCheck(r: Reader, node: YNode, path: string, index: number): CheckConfig | null {
  const o = r.obj(node, path, ALL_KEYS)
  if (o === null) {
    if (isAbsent(node)) r.error(node, path, 'empty check (needs one of exec, tcp, http, dns, file, process)')
    return null
  }
  const kinds = CHECK_KINDS.filter((k) => o.has(k))
  if (kinds.length !== 1) {
    r.error(o.node, path, kinds.length === 0 ? `needs one of ${CHECK_KINDS.join(', ')}` : `has several kinds (${kinds.join(', ')}); use one check per kind under checks:`)
    return null
  }
  const kind = kinds[0]!
  for (const [k, keys] of Object.entries(KIND_KEYS)) {
    if (k === kind) continue
    for (const key of keys) if (o.has(key) && !KIND_KEYS[kind].includes(key)) r.error(o.get(key), o.at(key), `only applies to ${k} checks, not ${kind}`)
  }
  const spec = parseSpec(o, kind)

  const intervalMs = o.durationMs('interval', 10, 3_600_000) ?? DEFAULT_CHECK_INTERVAL_MS
  const timeoutMs = o.durationMs('timeout', 1, 3_600_000) ?? Math.min(DEFAULT_CHECK_TIMEOUT_MS, intervalMs)
  if (timeoutMs > intervalMs) {
    r.error(o.get('timeout'), o.at('timeout'), `${formatDurationMs(timeoutMs)} exceeds interval ${formatDurationMs(intervalMs)} (one check runs at a time, so the timeout must fit in the interval)`)
  }
  const fastIntervalMs = o.durationMs('fast-interval', 10, 3_600_000) ?? Math.max(10, Math.round(intervalMs / 4))
  if (fastIntervalMs > intervalMs) r.error(o.get('fast-interval'), o.at('fast-interval'), `${formatDurationMs(fastIntervalMs)} exceeds interval ${formatDurationMs(intervalMs)}`)
  // A dead process or a maintenance flag is definitive: one observation is enough by default.
  const definitive = kind === 'process' || kind === 'file'
  const rise = o.int('rise', 1, 100) ?? (kind === 'file' ? 1 : DEFAULT_RISE)
  const fall = o.int('fall', 1, 100) ?? (definitive ? 1 : DEFAULT_FALL)
  const name = o.str('name') ?? `${kind}#${index}`
  if (spec === null) return null
  return { name, spec, intervalMs, fastIntervalMs, timeoutMs, rise, fall }
}

function parseSpec(o: Obj, kind: CheckKind): CheckSpec | null {
  const r = o.r
  const n = o.get(kind)
  const p = o.at(kind)
  switch (kind) {
    case 'exec': {
      const command = r.str(n, p)
      return command === null ? null : { kind, command }
    }
    case 'tcp': {
      const e = parseEndpoint(r, n, p, null)
      return e === null ? null : { kind, host: e.host, port: e.port }
    }
    case 'http': {
      const url = r.str(n, p)
      if (url === null) return null
      let parsed: URL
      try {
        parsed = new URL(url)
      } catch {
        r.error(n, p, `'${url}' is not a URL`)
        return null
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        r.error(n, p, `'${url}': only http: and https: URLs`)
        return null
      }
      const status = parseStatus(o)
      const bodyRegex = o.str('body-regex')
      if (bodyRegex !== null) {
        try {
          new RegExp(bodyRegex)
        } catch (e) {
          r.error(o.get('body-regex'), o.at('body-regex'), `bad regular expression: ${(e as Error).message}`)
        }
      }
      if (status === null) return null
      return { kind, url, statusMin: status[0], statusMax: status[1], body: o.str('body'), bodyRegex }
    }
    case 'dns': {
      const e = parseEndpoint(r, n, p, 53)
      const qname = o.str('query')
      if (qname === null && !o.has('query')) r.error(o.node, o.at('query'), 'missing required key (the name to ask for)')
      if (qname !== null && !/^([A-Za-z0-9_*-]{1,63}\.)*[A-Za-z0-9_-]{1,63}\.?$/.test(qname) && qname !== '.') {
        r.error(o.get('query'), o.at('query'), `'${qname}' is not a domain name`)
      }
      const qtype = o.oneOf('type', ['A', 'AAAA', 'SOA'] as const) ?? 'A'
      const rcodeName = o.oneOf('rcode', Object.keys(DNS_RCODES)) ?? 'NOERROR'
      if (e === null || qname === null) return null
      return { kind, server: e.host, port: e.port, qname, qtype, rcode: DNS_RCODES[rcodeName]! }
    }
    case 'file': {
      const path = r.str(n, p)
      return path === null ? null : { kind, path }
    }
    case 'process': {
      const pollMs = o.durationMs('poll', 1, 1000) ?? DEFAULT_PROCESS_POLL_MS
      const text = r.sourceText(n)
      if (text !== null && /^\d+$/.test(text)) {
        const pid = r.int(n, p, 1, 4194304)
        return pid === null ? null : { kind, pid, pidfile: null, pollMs }
      }
      const pidfile = r.str(n, p)
      return pidfile === null ? null : { kind, pid: null, pidfile, pollMs }
    }
  }
}

/** `status: 200`, `status: 200-399` (default). */
function parseStatus(o: Obj): [number, number] | null {
  const n = o.get('status')
  if (!o.has('status')) return [200, 399]
  const text = o.r.sourceText(n) ?? ''
  const m = /^(\d{3})(?:\s*-\s*(\d{3}))?$/.exec(text)
  const lo = m === null ? NaN : Number(m[1])
  const hi = m === null ? NaN : Number(m[2] ?? m[1])
  if (m === null || lo < 100 || hi > 599 || lo > hi) {
    o.r.error(n, o.at('status'), `must be a status code or range like 200-399, got '${text}'`)
    return null
  }
  return [lo, hi]
}

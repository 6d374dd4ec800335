/**
 * Prometheus text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format):
 *
 *   # HELP tsbgp_updates_in_total UPDATE messages received.
 *   # TYPE tsbgp_updates_in_total counter
 *   tsbgp_updates_in_total{neighbor="192.0.2.1"} 1027
 *   # TYPE tsbgp_check_duration_seconds histogram
 *   tsbgp_check_duration_seconds_bucket{service="dns",check="dig",le="0.005"} 3
 *   tsbgp_check_duration_seconds_bucket{service="dns",check="dig",le="+Inf"} 4
 *   tsbgp_check_duration_seconds_sum{service="dns",check="dig"} 0.0191
 *   tsbgp_check_duration_seconds_count{service="dns",check="dig"} 4
 *
 * "Only one TYPE line may exist for a given metric name. ... it must appear before the first
 * sample is reported for that metric name." HELP escapes `\` and newline; label values escape
 * `\`, `"` and newline. Histogram buckets are cumulative and end with le="+Inf", whose count
 * equals _count. Lines end with '\n', the last one too.
 */
import { Histogram, type AnyMetric, type Registry } from './registry.js'

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabelValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

/** "Positive infinity, negative infinity, and NaN values are represented as +Inf, -Inf, and NaN." */
export function formatSampleValue(v: number): string {
  if (v === Infinity) return '+Inf'
  if (v === -Infinity) return '-Inf'
  if (Number.isNaN(v)) return 'NaN'
  return String(v)
}

function labelText(names: readonly string[], values: readonly string[], extra = ''): string {
  const parts: string[] = []
  for (let i = 0; i < names.length; i++) parts.push(`${names[i]}="${escapeLabelValue(values[i]!)}"`)
  if (extra !== '') parts.push(extra)
  return parts.length === 0 ? '' : `{${parts.join(',')}}`
}

function renderMetric(m: AnyMetric): string {
  let out = `# HELP ${m.name} ${escapeHelp(m.help)}\n# TYPE ${m.name} ${m.type}\n`
  if (m instanceof Histogram) {
    for (const { values, child } of m.entries()) {
      let cum = 0
      for (let i = 0; i <= m.upperBounds.length; i++) {
        cum += child.counts[i]!
        const le = i < m.upperBounds.length ? formatSampleValue(m.upperBounds[i]!) : '+Inf'
        out += `${m.name}_bucket${labelText(m.labelNames, values, `le="${le}"`)} ${formatSampleValue(cum)}\n`
      }
      const l = labelText(m.labelNames, values)
      out += `${m.name}_sum${l} ${formatSampleValue(child.sum)}\n${m.name}_count${l} ${formatSampleValue(child.count)}\n`
    }
    return out
  }
  for (const { values, child } of m.entries()) out += `${m.name}${labelText(m.labelNames, values)} ${formatSampleValue(child.value)}\n`
  return out
}

/** The whole registry in the text format (collectors run first). */
export function renderExposition(r: Registry): string {
  let out = ''
  for (const m of r.collect()) out += renderMetric(m)
  return out
}

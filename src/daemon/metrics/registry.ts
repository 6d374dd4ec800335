/**
 * A tiny Prometheus metrics registry: counters, gauges and histograms with fixed buckets, each
 * with label names fixed at registration (Prometheus data model:
 * https://prometheus.io/docs/concepts/data_model/). No dependency; exposition.ts renders it.
 *
 * Hot paths (an UPDATE received, a probe finished) should hold a child: `labels(...)` looks the
 * label set up once (one string key), the child's inc/set/observe is a field update with no
 * allocation. Label values are stored as given; the text form escapes them.
 *
 * Collectors run right before each scrape: values the daemon can read cheaply on demand (prefix
 * counts from Speaker.peers(), which is O(peers)) are set there instead of being tracked.
 */

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

export type MetricType = 'counter' | 'gauge' | 'histogram'

export class CounterChild {
  value = 0
  /** Counters only go up ("a cumulative metric ... can only increase or be reset to zero on restart"). */
  inc(by = 1): void {
    if (!(by >= 0)) throw new RangeError(`counter increment must be >= 0, got ${by}`)
    this.value += by
  }
}

export class GaugeChild {
  value = 0
  set(v: number): void {
    this.value = v
  }
  inc(by = 1): void {
    this.value += by
  }
  dec(by = 1): void {
    this.value -= by
  }
}

export class HistogramChild {
  /** Observations per bucket (not cumulative; exposition cumulates); the last slot is +Inf. */
  readonly counts: Float64Array
  sum = 0
  count = 0
  constructor(readonly upperBounds: readonly number[]) {
    this.counts = new Float64Array(upperBounds.length + 1)
  }
  observe(v: number): void {
    const b = this.upperBounds
    let i = 0
    while (i < b.length && v > b[i]!) i++
    this.counts[i]!++
    this.sum += v
    this.count++
  }
}

interface Series<C> {
  readonly values: readonly string[]
  readonly child: C
}

abstract class Metric<C> {
  private readonly series = new Map<string, Series<C>>()

  constructor(
    readonly type: MetricType,
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!METRIC_NAME.test(name)) throw new RangeError(`bad metric name ${JSON.stringify(name)}`)
    for (const l of labelNames) {
      if (!LABEL_NAME.test(l) || l.startsWith('__')) throw new RangeError(`${name}: bad label name ${JSON.stringify(l)}`)
    }
    if (new Set(labelNames).size !== labelNames.length) throw new RangeError(`${name}: repeated label name`)
    // A metric without labels has exactly one series, present (at 0) from the start.
    if (labelNames.length === 0) this.labels()
  }

  protected abstract make(): C

  /** The child for these label values, in labelNames order (created at zero on first use). */
  labels(...values: string[]): C {
    if (values.length !== this.labelNames.length) {
      throw new RangeError(`${this.name}: expected ${this.labelNames.length} label value(s) (${this.labelNames.join(', ')}), got ${values.length}`)
    }
    const key = values.join('\u0000')
    let s = this.series.get(key)
    if (s === undefined) {
      s = { values: [...values], child: this.make() }
      this.series.set(key, s)
    }
    return s.child
  }

  /** Drops one series (a neighbor or service removed by reload). */
  remove(...values: string[]): boolean {
    return this.series.delete(values.join('\u0000'))
  }

  /** Drops every series whose label `label` has value `value`. */
  removeMatching(label: string, value: string): number {
    const i = this.labelNames.indexOf(label)
    if (i < 0) return 0
    let n = 0
    for (const [k, s] of this.series) {
      if (s.values[i] === value) {
        this.series.delete(k)
        n++
      }
    }
    return n
  }

  /** Every series in creation order. */
  entries(): IterableIterator<Series<C>> {
    return this.series.values()
  }
}

export class Counter extends Metric<CounterChild> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super('counter', name, help, labelNames)
  }
  protected make(): CounterChild {
    return new CounterChild()
  }
}

export class Gauge extends Metric<GaugeChild> {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super('gauge', name, help, labelNames)
  }
  protected make(): GaugeChild {
    return new GaugeChild()
  }
}

export class Histogram extends Metric<HistogramChild> {
  readonly upperBounds: readonly number[]
  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]) {
    // `le` is the bucket label of the exposition format; a user label of that name would clash.
    if (labelNames.includes('le')) throw new RangeError(`${name}: "le" is reserved for histogram buckets`)
    const b = buckets.filter((x) => x !== Infinity)
    if (b.length === 0 || b.some((x, i) => !Number.isFinite(x) || (i > 0 && x <= b[i - 1]!))) {
      throw new RangeError(`${name}: buckets must be finite and strictly increasing`)
    }
    super('histogram', name, help, labelNames)
    this.upperBounds = b
    // The unlabelled series was made by super() before upperBounds was set: remake it.
    if (labelNames.length === 0) {
      this.remove()
      this.labels()
    }
  }
  protected make(): HistogramChild {
    return new HistogramChild(this.upperBounds ?? [])
  }
}

export type AnyMetric = Counter | Gauge | Histogram

export class Registry {
  private readonly metrics = new Map<string, AnyMetric>()
  private readonly collectors: Array<() => void> = []

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames))
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.add(new Gauge(name, help, labelNames))
  }

  histogram(name: string, help: string, labelNames: readonly string[], buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, labelNames, buckets))
  }

  /** Runs before every scrape (exposition), to set gauges read on demand. */
  addCollector(fn: () => void): void {
    this.collectors.push(fn)
  }

  collect(): readonly AnyMetric[] {
    for (const fn of this.collectors) fn()
    return [...this.metrics.values()]
  }

  get(name: string): AnyMetric | undefined {
    return this.metrics.get(name)
  }

  private add<M extends AnyMetric>(m: M): M {
    if (this.metrics.has(m.name)) throw new RangeError(`metric ${m.name} registered twice`)
    this.metrics.set(m.name, m)
    return m
  }
}

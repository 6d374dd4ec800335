/** Prometheus registry, text exposition 0.0.4 (exact text) and the /metrics HTTP endpoint on 127.0.0.1. */
import t from 'tap'
import { Registry } from '../../src/daemon/metrics/registry.js'
import { EXPOSITION_CONTENT_TYPE, formatSampleValue, renderExposition } from '../../src/daemon/metrics/exposition.js'
import { MetricsServer } from '../../src/daemon/metrics/server.js'
import {
  createDaemonMetrics, forgetNeighbor, forgetService, recordPrefixCounts, recordServiceChange, recordSessionState, recordVerdict,
} from '../../src/daemon/metrics/daemon-metrics.js'

t.test('exposition: exact text for a small registry', async (t) => {
  const r = new Registry()
  const up = r.gauge('tsbgp_session_up', 'Whether the session is Established.', ['neighbor'])
  const upd = r.counter('tsbgp_updates_in_total', 'UPDATE messages received.', ['neighbor'])
  const plain = r.counter('tsbgp_reloads_total', 'Reloads.\nSecond line with a \\ backslash.')
  const h = r.histogram('tsbgp_check_duration_seconds', 'Probe duration.', ['service', 'check'], [0.01, 0.1, 1])
  up.labels('192.0.2.1').set(1)
  up.labels('2001:db8::1').set(0)
  upd.labels('192.0.2.1').inc()
  upd.labels('192.0.2.1').inc(41)
  plain.labels().inc()
  const dig = h.labels('dns', 'dig "quoted"\n\\')
  dig.observe(0.005)
  dig.observe(0.01) // le is inclusive: "less than or equal"
  dig.observe(0.5)
  dig.observe(7)
  t.equal(
    renderExposition(r),
    [
      '# HELP tsbgp_session_up Whether the session is Established.',
      '# TYPE tsbgp_session_up gauge',
      'tsbgp_session_up{neighbor="192.0.2.1"} 1',
      'tsbgp_session_up{neighbor="2001:db8::1"} 0',
      '# HELP tsbgp_updates_in_total UPDATE messages received.',
      '# TYPE tsbgp_updates_in_total counter',
      'tsbgp_updates_in_total{neighbor="192.0.2.1"} 42',
      '# HELP tsbgp_reloads_total Reloads.\\nSecond line with a \\\\ backslash.',
      '# TYPE tsbgp_reloads_total counter',
      'tsbgp_reloads_total 1',
      '# HELP tsbgp_check_duration_seconds Probe duration.',
      '# TYPE tsbgp_check_duration_seconds histogram',
      'tsbgp_check_duration_seconds_bucket{service="dns",check="dig \\"quoted\\"\\n\\\\",le="0.01"} 2',
      'tsbgp_check_duration_seconds_bucket{service="dns",check="dig \\"quoted\\"\\n\\\\",le="0.1"} 2',
      'tsbgp_check_duration_seconds_bucket{service="dns",check="dig \\"quoted\\"\\n\\\\",le="1"} 3',
      'tsbgp_check_duration_seconds_bucket{service="dns",check="dig \\"quoted\\"\\n\\\\",le="+Inf"} 4',
      'tsbgp_check_duration_seconds_sum{service="dns",check="dig \\"quoted\\"\\n\\\\"} 7.515',
      'tsbgp_check_duration_seconds_count{service="dns",check="dig \\"quoted\\"\\n\\\\"} 4',
      '',
    ].join('\n'),
  )
})

t.test('registry: validation, unlabelled series at zero, remove, collectors', async (t) => {
  const r = new Registry()
  t.throws(() => r.counter('bad-name', 'x'), RangeError)
  t.throws(() => r.gauge('ok', 'x', ['__reserved']), RangeError)
  t.throws(() => r.gauge('ok2', 'x', ['a', 'a']), RangeError)
  t.throws(() => r.histogram('h', 'x', ['le'], [1]), RangeError)
  t.throws(() => r.histogram('h2', 'x', [], [2, 1]), RangeError)
  t.throws(() => r.histogram('h3', 'x', [], []), RangeError)
  const c = r.counter('c_total', 'c', ['a'])
  t.throws(() => r.counter('c_total', 'again'), RangeError, 'registered twice')
  t.throws(() => c.labels(), RangeError, 'wrong label count')
  t.throws(() => r.counter('d_total', 'd').labels().inc(-1), RangeError, 'counters only go up')
  const g = r.gauge('g', 'g')
  g.labels().inc(3)
  g.labels().dec()
  const h = r.histogram('h_seconds', 'h', [], [1])
  h.labels().observe(2)
  let calls = 0
  r.addCollector(() => {
    calls++
    g.labels().set(10 + calls)
  })
  const text = renderExposition(r)
  t.equal(calls, 1)
  t.match(text, /^g 11$/m, 'collector ran before rendering')
  t.match(text, /^h_seconds_bucket\{le="1"\} 0$/m)
  t.match(text, /^h_seconds_bucket\{le="\+Inf"\} 1$/m)
  t.match(text, /^h_seconds_count 1$/m)
  t.notMatch(text, /^c_total\{/m, 'no series yet for a labelled metric')
  c.labels('x').inc()
  c.labels('y').inc()
  t.equal(c.removeMatching('a', 'x'), 1)
  t.equal(c.removeMatching('nope', 'x'), 0)
  t.ok(c.remove('y'))
  t.notMatch(renderExposition(r), /^c_total\{/m)
  t.equal(r.get('g'), g)
  t.equal(formatSampleValue(Infinity), '+Inf')
  t.equal(formatSampleValue(-Infinity), '-Inf')
  t.equal(formatSampleValue(NaN), 'NaN')
  t.equal(formatSampleValue(1e-7), '1e-7')
})

t.test('daemon metric names', async (t) => {
  const m = createDaemonMetrics()
  m.sessionUp.labels('192.0.2.1').set(1)
  m.sessionStateChanges.labels('192.0.2.1').inc()
  m.prefixesReceived.labels('192.0.2.1', 'ipv4').set(950000)
  m.prefixesAdvertised.labels('192.0.2.1', 'ipv6').set(2)
  m.updatesIn.labels('192.0.2.1').inc()
  m.updatesOut.labels('192.0.2.1').inc()
  m.checkResult.labels('dns', 'dig').set(1)
  m.checkDuration.labels('dns', 'dig').observe(0.003)
  m.serviceAnnounced.labels('dns').set(1)
  const text = renderExposition(m.registry)
  for (const line of [
    'tsbgp_session_up{neighbor="192.0.2.1"} 1',
    'tsbgp_session_state_changes_total{neighbor="192.0.2.1"} 1',
    'tsbgp_prefixes_received{neighbor="192.0.2.1",family="ipv4"} 950000',
    'tsbgp_prefixes_advertised{neighbor="192.0.2.1",family="ipv6"} 2',
    'tsbgp_updates_in_total{neighbor="192.0.2.1"} 1',
    'tsbgp_updates_out_total{neighbor="192.0.2.1"} 1',
    'tsbgp_check_result{service="dns",check="dig"} 1',
    'tsbgp_check_duration_seconds_bucket{service="dns",check="dig",le="0.005"} 1',
    'tsbgp_check_duration_seconds_count{service="dns",check="dig"} 1',
    'tsbgp_service_announced{service="dns"} 1',
  ]) t.ok(text.split('\n').includes(line), line)
  forgetNeighbor(m, '192.0.2.1')
  forgetService(m, 'dns')
  t.notMatch(renderExposition(m.registry), /\{/, 'every labelled series gone')
})

t.test('daemon metric helpers', async (t) => {
  const m = createDaemonMetrics()
  recordSessionState(m, '192.0.2.1', 'OpenSent')
  recordSessionState(m, '192.0.2.1', 'Established')
  recordVerdict(m, 'dns', { name: 'dig', ok: false, durationMs: 1500 })
  recordServiceChange(m, { service: 'dns', announcement: { announce: true } })
  m.registry.addCollector(() => recordPrefixCounts(m, [{ address: '192.0.2.1', families: { ipv4: { accepted: 7, advertised: 2 }, ipv6: undefined } }]))
  const lines = renderExposition(m.registry).split('\n')
  for (const line of [
    'tsbgp_session_state_changes_total{neighbor="192.0.2.1"} 2',
    'tsbgp_session_up{neighbor="192.0.2.1"} 1',
    'tsbgp_check_result{service="dns",check="dig"} 0',
    'tsbgp_check_duration_seconds_bucket{service="dns",check="dig",le="1"} 0',
    'tsbgp_check_duration_seconds_bucket{service="dns",check="dig",le="2.5"} 1',
    'tsbgp_check_duration_seconds_sum{service="dns",check="dig"} 1.5',
    'tsbgp_service_announced{service="dns"} 1',
    'tsbgp_prefixes_received{neighbor="192.0.2.1",family="ipv4"} 7',
    'tsbgp_prefixes_advertised{neighbor="192.0.2.1",family="ipv4"} 2',
  ]) t.ok(lines.includes(line), line)
})

t.test('HTTP: GET /metrics on 127.0.0.1, 404 otherwise', async (t) => {
  const r = new Registry()
  r.counter('tsbgp_test_total', 'A test counter.').labels().inc(5)
  const srv = new MetricsServer(r, { address: '127.0.0.1', port: 0 })
  const bound = await srv.listen()
  t.teardown(() => srv.close())
  t.equal(bound.address, '127.0.0.1')
  t.ok(bound.port > 0)
  await t.rejects(srv.listen(), /already listening/)
  const base = `http://127.0.0.1:${bound.port}`
  const signal = AbortSignal.timeout(5000)
  const ok = await fetch(`${base}/metrics`, { signal })
  t.equal(ok.status, 200)
  t.equal(ok.headers.get('content-type'), EXPOSITION_CONTENT_TYPE)
  t.equal(await ok.text(), '# HELP tsbgp_test_total A test counter.\n# TYPE tsbgp_test_total counter\ntsbgp_test_total 5\n')
  const q = await fetch(`${base}/metrics?name[]=x`, { signal })
  t.equal(q.status, 200, 'query string ignored')
  await q.text()
  for (const [path, method] of [['/', 'GET'], ['/metricsx', 'GET'], ['/metrics', 'POST'], ['/metrics', 'DELETE']] as const) {
    const res = await fetch(`${base}${path}`, { method, signal })
    t.equal(res.status, 404, `${method} ${path}`)
    await res.text()
  }
  r.addCollector(() => {
    throw new Error('collector broke')
  })
  const bad = await fetch(`${base}/metrics`, { signal })
  t.equal(bad.status, 500)
  t.match(await bad.text(), /collector broke/)
  await srv.close()
  await srv.close() // idempotent
  await t.rejects(fetch(`${base}/metrics`, { signal: AbortSignal.timeout(2000) }), 'closed')
})

t.test('HTTP: listen error is reported', async (t) => {
  const a = new MetricsServer(new Registry(), { address: '127.0.0.1', port: 0 })
  const bound = await a.listen()
  t.teardown(() => a.close())
  const b = new MetricsServer(new Registry(), { address: '127.0.0.1', port: bound.port })
  await t.rejects(b.listen(), { code: 'EADDRINUSE' })
})

// The daemon's `policy` and `neighbors[].export` rules (src/daemon/peers.ts): one ordered list per
// neighbor, like a route-map: accept/reject end it, changes-only rules go on, `service:` matches a
// service's prefixes; compile errors are ConfigErrors at the rule's FILE:LINE:COL. Also: every shipped
// example config passes check-config.
import t from 'tap'
import { readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { PassThrough } from 'node:stream'
import { main } from '../../src/cli/main.js'
import type { Announcer } from '../../src/daemon/announcer.js'
import { parseConfigText } from '../../src/daemon/config/load.js'
import { ConfigError } from '../../src/daemon/config/errors.js'
import { compileExportPolicies } from '../../src/daemon/peers.js'
import { routeAttributes, type Route } from '../../src/policy/route-view.js'
import type { PolicyHook } from '../../src/policy/hook.js'
import { ctx, route, c } from '../policy/helpers.js'

const HEAD = `router-id: 192.0.2.11
local-as: 65011
neighbors:
  - address: 192.0.2.1
    remote-as: 65000
`
// Only the rules are under test here: the announcer's own hook passes every route through.
const passThrough = { exportHook: () => (r: Route) => r } as unknown as Announcer
const services: Record<string, string> = { '198.51.100.53/32': 'dns', '198.51.100.80/32': 'web' }

function compile(rules: string, neighborRules = ''): PolicyHook {
  const { config } = parseConfigText(HEAD + neighborRules + rules, 'rules.yaml')
  return compileExportPolicies(config, passThrough, (p) => services[p]).get('192.0.2.1')!
}

function run(h: PolicyHook, prefix: string): ReturnType<typeof routeAttributes> | null {
  const r = h(route(prefix, { origin: 0, asPath: [] }, 'api'), ctx()) as Route | null
  return r === null ? null : routeAttributes(r)
}

t.test('accept ends the list; changes-only rules stack; the default is export', async (t) => {
  const h = compile(`policy:
  - match: { prefix: 198.51.100.53/32 }
    action: accept
  - match: {}
    action: { med: 7 }
  - match: { service: web }
    action: { communities: { add: ["65011:80"] }, then: accept }
  - match: {}
    action: reject
`)
  t.same(run(h, '198.51.100.53/32'), { origin: 0, asPath: [] }, 'accepted by rule 1 unchanged, not rejected by the last rule')
  t.same(run(h, '198.51.100.80/32'), { origin: 0, asPath: [], med: 7, communities: [c(65011, 80)] }, 'rule 2 then rule 3 (service: web)')
  t.equal(run(h, '198.51.100.99/32'), null, 'the catch-all reject')
})

t.test('top-level rules run before the neighbor rules; then: next and reject', async (t) => {
  const h = compile(`policy:
  - match: { service: dns }
    action: { med: 50, then: next }
`, `    export:
      - match: { prefix: 198.51.100.53/32 }
        action: { prepend: 1 }
      - match: { service: web }
        action: reject
`)
  t.same(run(h, '198.51.100.53/32'), { origin: 0, asPath: [{ type: 2, asns: [64512] }], med: 50 }, 'global MED, then the neighbor prepend')
  t.equal(run(h, '198.51.100.80/32'), null, 'web rejected toward this neighbor')
  t.same(run(h, '198.51.100.1/32'), { origin: 0, asPath: [] }, 'no rule matches: exported as is')
})

t.test('bad rules: ConfigError at the rule position', async (t) => {
  const err = (yaml: string): string => {
    try {
      compile(yaml)
    } catch (e) {
      if (e instanceof ConfigError) return e.message
      throw e
    }
    return ''
  }
  t.match(err('policy:\n  - match: { prefix: 198.51.100.0/24 }\n    action: { then: maybe }\n'), /rules\.yaml:7:\d+: policy\[0\]: .*then must be accept, reject or next/)
  t.match(err('policy:\n  - match: {}\n    action: { medd: 1 }\n'), /rules\.yaml:\d+:\d+: policy\[0\]: .*medd: unknown action key/)
  t.match(err('policy:\n  - match: {}\n    action: 42\n'), /policy\[0\]: action: action must be accept, reject, next or a mapping/)
})

t.test('every example config passes check-config', async (t) => {
  const dir = fileURLToPath(new URL('../../examples/config/', import.meta.url))
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'))
  t.ok(files.length >= 2)
  for (const f of files) {
    const out = new PassThrough()
    const errOut = new PassThrough()
    let text = ''
    errOut.on('data', (b: Buffer) => (text += b.toString()))
    out.resume()
    t.equal(await main(['check-config', dir + f], { out, err: errOut }), 0, `${f} ${text}`)
  }
})

/** Daemon config: the minimal example's effective config, and a table of bad files with the exact message each gets. */
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { loadConfig, parseConfigText } from '../../src/daemon/config/load.js'
import { ConfigError, formatIssue } from '../../src/daemon/config/errors.js'
import { formatDurationMs, parseDurationMs } from '../../src/daemon/config/duration.js'

const MINIMAL = fileURLToPath(new URL('../../examples/config/minimal.yaml', import.meta.url))

t.test('minimal config parses to the expected effective config', async (t) => {
  const { config, warnings } = await loadConfig(MINIMAL)
  t.same(warnings, [])
  t.same(config, {
    file: MINIMAL,
    routerId: '192.0.2.11',
    localAs: 65011,
    instanceId: null,
    listen: null,
    neighbors: [
      {
        address: '192.0.2.1', addressFamily: 'ipv4', remoteAs: 65000, internal: false, localAddress: null, port: 179,
        holdTimeSec: 9, keepaliveSec: null, connectRetrySec: 120, passive: false, multihopTtl: null, password: null,
        ttlSecurityHops: null, families: ['ipv4', 'ipv6'], nextHopSelf: true, nextHopIpv4: null, nextHopIpv6: null,
        description: null, overrides: { med: null, localPref: null, prepend: null, communities: [], largeCommunities: [] },
        exportPolicy: [],
      },
    ],
    services: [
      {
        name: 'dns',
        prefixes: [
          { prefix: '198.51.100.53/32', family: 'ipv4', length: 32 },
          { prefix: '2001:db8:53::53/128', family: 'ipv6', length: 128 },
        ],
        uniquePrefixes: [],
        checks: [
          {
            name: 'exec#0', spec: { kind: 'exec', command: 'dig +time=1 +tries=1 @127.0.0.1 example.com' },
            intervalMs: 1000, fastIntervalMs: 250, timeoutMs: 1000, rise: 2, fall: 2,
          },
        ],
        combine: 'all',
        attributes: { med: 100, localPref: null, prepend: null, communities: [], largeCommunities: [] },
        neighbors: ['192.0.2.1'],
        onFailure: { action: 'withdraw' },
        announceOnStart: false,
        holdDownMs: 10000,
        drain: { periodMs: 30000, localPref: 0, prepend: null, communities: [] },
        dynamicMed: null,
      },
    ],
    policy: [],
    control: { socket: '/run/tsbgp/tsbgp.sock', mode: 0o600 },
    metrics: { listen: null },
    log: { level: 'info' },
  })
})

const HEAD = 'router-id: 192.0.2.11\nlocal-as: 65011\n'
const NB = 'neighbors:\n  - address: 192.0.2.1\n    remote-as: 65000\n'
const SVC = 'services:\n  - name: dns\n    prefixes: [198.51.100.53/32]\n'

/** [name, file text, the first error exactly as printed] */
const BAD: Array<[string, string, string]> = [
  ['YAML syntax', 'router-id: [1\n', 'c.yaml:2:1: YAML: ...'],
  ['duplicate key', HEAD + 'local-as: 1\n', 'c.yaml:3:1: duplicate key (each key may appear once per mapping)'],
  ['empty file', '', 'c.yaml:1:1: the file is empty (needs at least router-id, local-as, neighbors)'],
  ['top level is a list', '- a\n', 'c.yaml:1:1: must be a mapping (key: value), got a list'],
  ['unknown top key with suggestion', HEAD + NB + 'router_id: 1.2.3.4\n', "c.yaml:6:1: router_id: unknown key (did you mean 'router-id'?)"],
  ['missing router-id', 'local-as: 65011\n' + NB, 'c.yaml:1:1: router-id: missing required key'],
  ['router-id not IPv4', 'router-id: 2001:db8::1\nlocal-as: 65011\n' + NB, "c.yaml:1:12: router-id: must be an IPv4 address, got '2001:db8::1'"],
  ['router-id zero', 'router-id: 0.0.0.0\nlocal-as: 65011\n' + NB, 'c.yaml:1:12: router-id: the BGP Identifier must be non-zero (RFC 6286 §2.1)'],
  ['router-id bad octet', 'router-id: 192.0.2.256\nlocal-as: 65011\n' + NB, "c.yaml:1:12: router-id: '192.0.2.256' is not an IPv4 address: Invalid IPv4 address."],
  ['local-as AS_TRANS', 'router-id: 192.0.2.11\nlocal-as: 23456\n' + NB, 'c.yaml:2:11: local-as: AS 23456 is AS_TRANS (RFC 6793), not a real AS'],
  ['local-as zero', 'router-id: 192.0.2.11\nlocal-as: 0\n' + NB, 'c.yaml:2:11: local-as: AS 0 is reserved (RFC 7607)'],
  ['local-as too big', 'router-id: 192.0.2.11\nlocal-as: 4294967296\n' + NB, 'c.yaml:2:11: local-as: 4294967296 is out of range 1..4294967294'],
  ['local-as bad asdot', 'router-id: 192.0.2.11\nlocal-as: 1.65536\n' + NB, "c.yaml:2:11: local-as: asdot '1.65536': each half must be 0..65535 (RFC 5396)"],
  ['local-as text', 'router-id: 192.0.2.11\nlocal-as: AS65011\n' + NB, "c.yaml:2:11: local-as: must be an AS number (65001 or asdot 1.10), got 'AS65011'"],
  ['no neighbors', HEAD + 'neighbors: []\n', 'c.yaml:3:12: neighbors: needs at least one neighbor'],
  ['neighbors not a list', HEAD + 'neighbors: 192.0.2.1\n', "c.yaml:3:12: neighbors: must be a list, got '192.0.2.1'"],
  ['neighbor address with length', HEAD + 'neighbors:\n  - address: 192.0.2.0/30\n    remote-as: 65000\n', "c.yaml:4:14: neighbors[0].address: must be an IP address without a prefix length, got '192.0.2.0/30'"],
  ['neighbor missing remote-as', HEAD + 'neighbors:\n  - address: 192.0.2.1\n', 'c.yaml:4:5: neighbors[0].remote-as: missing required key'],
  ['unknown neighbor key', HEAD + NB + '    hold_time: 9\n', "c.yaml:6:5: neighbors[0].hold_time: unknown key (did you mean 'hold-time'?)"],
  ['hold-time 1', HEAD + NB + '    hold-time: 1\n', 'c.yaml:6:16: neighbors[0].hold-time: 1: the hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)'],
  ['hold-time 2', HEAD + NB + '    hold-time: 2\n', 'c.yaml:6:16: neighbors[0].hold-time: 2: the hold time must be 0 or at least 3 seconds (RFC 4271 §4.2)'],
  ['hold-time wrong type', HEAD + NB + '    hold-time: 9s\n', "c.yaml:6:16: neighbors[0].hold-time: must be an integer, got '9s'"],
  ['keepalive not below hold-time', HEAD + NB + '    hold-time: 9\n    keepalive: 9\n', 'c.yaml:7:16: neighbors[0].keepalive: 9s must be below hold-time 9s (RFC 4271 §10 suggests a third)'],
  ['keepalive with hold-time 0', HEAD + NB + '    hold-time: 0\n    keepalive: 3\n', 'c.yaml:7:16: neighbors[0].keepalive: no KEEPALIVEs are sent when hold-time is 0 (RFC 4271 §4.4)'],
  ['port out of range', HEAD + NB + '    port: 70000\n', 'c.yaml:6:11: neighbors[0].port: 70000 is out of range 1..65535'],
  ['duplicate neighbor (canonical form)', HEAD + 'neighbors:\n  - address: 2001:db8::1\n    remote-as: 65000\n  - address: 2001:DB8:0::1\n    remote-as: 65000\n', 'c.yaml:6:14: neighbors[1].address: duplicate neighbor 2001:db8::1 (first at line 4)'],
  ['local-address of the other family', HEAD + NB + '    local-address: 2001:db8::2\n', 'c.yaml:6:20: neighbors[0].local-address: 2001:db8::2 is ipv6 but the neighbor address 192.0.2.1 is ipv4'],
  ['passive without listen', HEAD + NB + '    passive: true\n', "c.yaml:6:14: neighbors[0].passive: a passive neighbor needs a listener: add 'listen:' at the top level"],
  ['multihop with ttl-security', HEAD + NB + '    multihop: 4\n    ttl-security: true\n', "c.yaml:7:19: neighbors[0].ttl-security: cannot be combined with 'multihop' (GTSM fixes the TTL at 255, RFC 5082); use ttl-security: <hops>"],
  ['multihop 1', HEAD + NB + '    multihop: 1\n', 'c.yaml:6:15: neighbors[0].multihop: 1 is out of range 2..255'],
  ['password too long', HEAD + NB + `    password: ${'x'.repeat(81)}\n`, 'c.yaml:6:15: neighbors[0].password: longer than 80 bytes (TCP MD5 key limit)'],
  ['unknown family', HEAD + NB + '    families: [ipv4, vpnv4]\n', 'c.yaml:6:22: neighbors[0].families[1]: must be one of ipv4, ipv6, got \'vpnv4\''],
  ['bad community on neighbor', HEAD + NB + '    communities: [65000:70000]\n', "c.yaml:6:19: neighbors[0].communities[0]: '65000:70000' is not a community (ASN:VALUE, each 0..65535, or graceful-shutdown, accept-own, blackhole, no-export, no-advertise, no-export-subconfed, no-peer)"],
  ['export rule without action', HEAD + NB + '    export:\n      - match: { prefix: 198.51.100.0/24 }\n', 'c.yaml:7:9: neighbors[0].export[0].action: missing required key'],
  ['policy rule with extra key', HEAD + NB + 'policy:\n  - match: {}\n    action: reject\n    then: x\n', "c.yaml:9:5: policy[0].then: unknown key"],
  ['duplicate service', HEAD + NB + SVC + '  - name: dns\n    prefixes: [198.51.100.54/32]\n', "c.yaml:9:11: services[1].name: duplicate service name 'dns' (first at line 7)"],
  ['service name with space', HEAD + NB + 'services:\n  - name: my dns\n    prefixes: [198.51.100.53/32]\n', "c.yaml:7:11: services[0].name: 'my dns': use letters, digits, '-', '_', '.' (at most 64, starting with a letter or digit)"],
  ['service without prefixes', HEAD + NB + 'services:\n  - name: dns\n', 'c.yaml:7:5: services[0].prefixes: missing required key'],
  ['prefix with host bits', HEAD + NB + 'services:\n  - name: dns\n    prefixes: [198.51.100.53/24]\n', "c.yaml:8:16: services[0].prefixes[0]: '198.51.100.53/24' has host bits set (did you mean 198.51.100.0/24?)"],
  ['prefix length too long', HEAD + NB + 'services:\n  - name: dns\n    prefixes: [2001:db8::1/129]\n', "c.yaml:8:16: services[0].prefixes[0]: '2001:db8::1/129': prefix length must be 0..128"],
  ['prefix not an address', HEAD + NB + 'services:\n  - name: dns\n    prefixes: [dns.example/32]\n', "c.yaml:8:16: services[0].prefixes[0]: 'dns.example/32' is not an IP prefix: Invalid IPv4 address."],
  ['duplicate prefix in a service', HEAD + NB + 'services:\n  - name: dns\n    prefixes: [198.51.100.53/32, 198.51.100.53]\n', 'c.yaml:8:34: services[0].prefixes[1]: duplicate prefix 198.51.100.53/32 (also at line 8)'],
  ['IPv6 prefix toward an IPv4-only neighbor', HEAD + NB + '    families: [ipv4]\nservices:\n  - name: dns\n    prefixes: [198.51.100.53/32, 2001:db8:53::53/128]\n', 'c.yaml:9:34: services[0].prefixes[1]: 2001:db8:53::53/128 is ipv6 but no neighbor of this service carries ipv6 (192.0.2.1 [ipv4])'],
  ['service neighbor unknown', HEAD + NB + SVC + '    neighbors: [192.0.2.9]\n', "c.yaml:9:17: services[0].neighbors: no neighbor with address or description '192.0.2.9'"],
  ['unique prefix overlapping an anycast prefix', HEAD + NB + SVC + '    unique-prefixes: [198.51.100.0/24]\n', "c.yaml:9:23: services[0].unique-prefixes[0]: 198.51.100.0/24 overlaps anycast prefix 198.51.100.53/32 of service 'dns'"],
  ['check and checks', HEAD + NB + SVC + '    check: { tcp: "127.0.0.1:53" }\n    checks: []\n', "c.yaml:10:13: services[0].checks: use either 'check' (one) or 'checks' (a list), not both"],
  ['check without kind', HEAD + NB + SVC + '    check: { interval: 1s }\n', 'c.yaml:9:12: services[0].check: needs one of exec, tcp, http, dns, file, process'],
  ['check with two kinds', HEAD + NB + SVC + '    check: { exec: "true", tcp: "127.0.0.1:53" }\n', 'c.yaml:9:12: services[0].check: has several kinds (exec, tcp); use one check per kind under checks:'],
  ['rise 0', HEAD + NB + SVC + '    check: { exec: "true", rise: 0 }\n', 'c.yaml:9:34: services[0].check.rise: 0 is out of range 1..100'],
  ['fall 0', HEAD + NB + SVC + '    check: { exec: "true", fall: 0 }\n', 'c.yaml:9:34: services[0].check.fall: 0 is out of range 1..100'],
  ['timeout above interval', HEAD + NB + SVC + '    check: { exec: "true", interval: 1s, timeout: 2s }\n', 'c.yaml:9:51: services[0].check.timeout: 2s exceeds interval 1s (one check runs at a time, so the timeout must fit in the interval)'],
  ['bad duration', HEAD + NB + SVC + '    check: { exec: "true", interval: 1 sec }\n', 'c.yaml:9:38: services[0].check.interval: "1 sec" is not a duration (use e.g. "1s", "500ms", "2m", "1m30s")'],
  ['kind-specific key on another kind', HEAD + NB + SVC + '    check: { tcp: "127.0.0.1:53", status: 200 }\n', 'c.yaml:9:43: services[0].check.status: only applies to http checks, not tcp'],
  ['tcp check without port', HEAD + NB + SVC + '    check: { tcp: "127.0.0.1" }\n', "c.yaml:9:19: services[0].check.tcp: '127.0.0.1' needs a port (HOST:PORT)"],
  ['http status range reversed', HEAD + NB + SVC + '    check: { http: "http://127.0.0.1/", status: 399-200 }\n', "c.yaml:9:49: services[0].check.status: must be a status code or range like 200-399, got '399-200'"],
  ['dns check without query', HEAD + NB + SVC + '    check: { dns: 127.0.0.1 }\n', 'c.yaml:9:12: services[0].check.query: missing required key (the name to ask for)'],
  ['dns unknown type', HEAD + NB + SVC + '    check: { dns: 127.0.0.1, query: example.com, type: MX }\n', "c.yaml:9:56: services[0].check.type: must be one of A, AAAA, SOA, got 'MX'"],
  ['duplicate check names', HEAD + NB + SVC + '    checks:\n      - { exec: "true", name: a }\n      - { tcp: "127.0.0.1:53", name: a }\n', "c.yaml:11:9: services[0].checks[1].name: duplicate check name 'a'"],
  ['degrade without attributes', HEAD + NB + SVC + '    on-failure: { degrade: {} }\n', 'c.yaml:9:28: services[0].on-failure.degrade: needs at least one of med, prepend, local-pref (otherwise a failed service looks healthy)'],
  ['on-failure unknown word', HEAD + NB + SVC + '    on-failure: ignore\n', "c.yaml:9:17: services[0].on-failure: must be 'withdraw' or { degrade: { med, prepend, local-pref } }, got 'ignore'"],
  ['prepend too large', HEAD + NB + SVC + '    prepend: 50\n', 'c.yaml:9:14: services[0].prepend: 50 is out of range 0..16'],
  ['large community malformed', HEAD + NB + SVC + '    large-communities: ["65011:1"]\n', "c.yaml:9:25: services[0].large-communities[0]: '65011:1' is not a large community (GLOBAL:LOCAL1:LOCAL2, each 0..4294967295)"],
  ['dynamic-med with both', HEAD + NB + SVC + '    dynamic-med: { command: x, file: y }\n', 'c.yaml:9:18: services[0].dynamic-med: needs exactly one of command, file'],
  ['empty check', HEAD + NB + SVC + '    check: ~\n', 'c.yaml:9:12: services[0].check: empty check (needs one of exec, tcp, http, dns, file, process)'],
  ['http URL not a URL', HEAD + NB + SVC + '    check: { http: "not a url" }\n', "c.yaml:9:20: services[0].check.http: 'not a url' is not a URL"],
  ['http ftp URL', HEAD + NB + SVC + '    check: { http: "ftp://127.0.0.1/" }\n', "c.yaml:9:20: services[0].check.http: 'ftp://127.0.0.1/': only http: and https: URLs"],
  ['http bad regex', HEAD + NB + SVC + '    check: { http: "http://127.0.0.1/", body-regex: "(" }\n', 'c.yaml:9:53: services[0].check.body-regex: bad regular expression: Invalid regular expression: /(/: Unterminated group'],
  ['dns bad name', HEAD + NB + SVC + '    check: { dns: 127.0.0.1, query: "a b.example" }\n', "c.yaml:9:37: services[0].check.query: 'a b.example' is not a domain name"],
  ['process pid 0', HEAD + NB + SVC + '    check: { process: 0 }\n', 'c.yaml:9:23: services[0].check.process: 0 is out of range 1..4194304'],
  ['ttl-security 255', HEAD + NB + '    ttl-security: 255\n', 'c.yaml:6:19: neighbors[0].ttl-security: 255 is out of range 1..254'],
  ['on-failure degrade without body', HEAD + NB + SVC + '    on-failure: { degrade: ~ }\n', "c.yaml:9:17: services[0].on-failure: must be 'withdraw' or { degrade: { med, prepend, local-pref } }"],
  ['empty service neighbors', HEAD + NB + SVC + '    neighbors: []\n', 'c.yaml:9:16: services[0].neighbors: an empty list would announce the service to nobody (omit the key for every neighbor)'],
  ['next-hop of the wrong family', HEAD + NB + '    next-hop: { ipv4: "2001:db8::1" }\n', "c.yaml:6:23: neighbors[0].next-hop.ipv4: must be an IPv4 address, got '2001:db8::1'"],
  ['control mode decimal', HEAD + NB + 'control: { mode: 384 }\n', 'c.yaml:6:18: control.mode: must be an octal file mode like "0600", got number 384'],
  ['log level', HEAD + NB + 'log: { level: verbose }\n', "c.yaml:6:15: log.level: must be one of trace, debug, info, warn, error, fatal, silent, got 'verbose'"],
  ['metrics listen bad', HEAD + NB + 'metrics: { listen: "127.0.0.1:99999" }\n', 'c.yaml:6:20: metrics.listen: port 99999 is out of range 1..65535'],
]

for (const [name, text, want] of BAD) {
  t.test(name, async (t) => {
    try {
      parseConfigText(text, 'c.yaml')
      t.fail('accepted')
    } catch (e) {
      t.ok(e instanceof ConfigError, 'ConfigError')
      const first = (e as Error).message.split('\n')[0]!
      if (want.endsWith('...')) t.ok(first.startsWith(want.slice(0, -3)), first)
      else t.equal(first, want)
    }
  })
}

t.test('full example: every key, asdot, octal mode, description references', async (t) => {
  const { config, warnings } = await loadConfig(fileURLToPath(new URL('../../examples/config/full.yaml', import.meta.url)))
  t.same(warnings, [])
  t.equal(config.localAs, 65546)
  t.equal(config.instanceId, 11)
  t.same(config.listen, { address: '192.0.2.11', port: 179 })
  t.same(config.control, { socket: '/run/tsbgp/tsbgp.sock', mode: 0o660 })
  t.same(config.metrics, { listen: { address: '127.0.0.1', port: 9179 } })
  t.equal(config.log.level, 'debug')
  const [a, b] = config.neighbors
  t.match(a, { keepaliveSec: 3, connectRetrySec: 5, password: 's3cret', ttlSecurityHops: 1, multihopTtl: null, internal: false, nextHopIpv6: '2001:db8:11::11', description: 'border-a' })
  t.same(a!.overrides, { med: 10, localPref: null, prepend: 1, communities: [65000 * 65536 + 100], largeCommunities: [[65000, 1, 1]] })
  t.same(a!.exportPolicy.map((r) => [r.match, r.action, r.pos.line]), [[{ prefix: '198.51.100.80/32' }, { prepend: 2 }, 25]])
  t.match(b, { address: '2001:db8::1', addressFamily: 'ipv6', internal: true, passive: true, multihopTtl: 2, families: ['ipv6'], holdTimeSec: 90 })
  const [dns, web] = config.services
  t.same(dns!.neighbors, ['192.0.2.1', '2001:db8::1'], 'description and address references')
  t.same(dns!.checks.map((c) => [c.name, c.spec.kind, c.intervalMs, c.fastIntervalMs, c.timeoutMs, c.rise, c.fall]), [
    ['dig', 'exec', 1000, 250, 1000, 2, 2],
    ['query', 'dns', 2000, 250, 1000, 3, 2],
    ['named', 'process', 2000, 500, 1000, 3, 1],
    ['flag', 'file', 2000, 500, 1000, 1, 1],
  ])
  t.same(dns!.checks[1]!.spec, { kind: 'dns', server: '127.0.0.1', port: 53, qname: 'example.com', qtype: 'SOA', rcode: 0 })
  t.same(dns!.checks[2]!.spec, { kind: 'process', pid: null, pidfile: '/run/named/named.pid', pollMs: 20 })
  t.same(dns!.attributes.communities, [0xffffff01, 64512 * 65536 + 53])
  t.same(dns!.onFailure, { action: 'degrade', med: 1000, prepend: 3, localPref: null })
  t.same(dns!.drain, { periodMs: 60000, localPref: 0, prepend: 2, communities: [64512 * 65536 + 666] })
  t.same(dns!.dynamicMed, { command: '/usr/local/bin/load-med', file: null, intervalMs: 10000 })
  t.equal(dns!.holdDownMs, 30000)
  t.same(web!.checks[1]!.spec, { kind: 'http', url: 'http://127.0.0.1/health', statusMin: 200, statusMax: 299, body: 'ok', bodyRegex: '^ok' })
  t.match(web, { combine: 'any', announceOnStart: true, neighbors: ['192.0.2.1'] })
  t.same(config.policy.map((p) => [p.match, p.action]), [[{ service: 'web' }, { 'large-communities': { add: ['65546:80:1'] } }]])
})

t.test('warnings do not stop loading', async (t) => {
  const text = HEAD + NB + '    local-pref: 200\n' + SVC + '    local-pref: 50\n  - name: dns2\n    prefixes: [198.51.100.0/24, 0.0.0.0/0]\n'
  const { warnings } = parseConfigText(text, 'w.yaml')
  t.same(warnings.map(formatIssue), [
    'w.yaml:6:17: warning: neighbors[0].local-pref: ignored: LOCAL_PREF is not sent to an external peer (RFC 4271 §5.1.5)',
    'w.yaml:10:17: warning: services[0].local-pref: ignored: every neighbor of this service is external and LOCAL_PREF is not sent to external peers (RFC 4271 §5.1.5)',
    "w.yaml:12:16: warning: services[1].prefixes[0]: 198.51.100.0/24 overlaps 198.51.100.53/32 of service 'dns'",
    'w.yaml:12:33: warning: services[1].prefixes[1]: 0.0.0.0/0 announces a default route',
    "w.yaml:12:33: warning: services[1].prefixes[1]: 0.0.0.0/0 overlaps 198.51.100.53/32 of service 'dns'",
  ])
})

t.test('every error is reported, not only the first; ConfigError fields', async (t) => {
  const text = 'router-id: x\nlocal-as: y\nneighbors: []\nbogus: 1\n'
  const e = t.throws(() => parseConfigText(text, 'm.yaml')) as unknown as ConfigError
  t.match(e, { name: 'ConfigError', file: 'm.yaml', line: 1, col: 12, keyPath: 'router-id' })
  t.equal(e.issues.length, 4)
  t.equal(e.message.split('\n').length, 4)
})

t.test('unreadable file', async (t) => {
  await t.rejects(loadConfig('/nonexistent/tsbgp.yaml'), { name: 'ConfigError', line: 0, message: /^\/nonexistent\/tsbgp\.yaml: cannot read: ENOENT/ })
})

t.test('durations', async (t) => {
  const cases: Array<[unknown, number | RegExp]> = [
    ['1s', 1000], ['500ms', 500], ['2m', 120000], ['1h', 3600000], ['1m30s', 90000], ['1.5s', 1500], [2, 2000], [0.25, 250],
    ['3', 3000], ['', /empty/], ['1 s', /not a duration/], ['1d', /not a duration/], [-1, /non-negative/], [true, /must be a duration/],
  ]
  for (const [v, want] of cases) {
    const got = parseDurationMs(v)
    if (typeof want === 'number') t.equal(got, want, String(v))
    else t.match(got, want, String(v))
  }
  t.same([1000, 250, 90000, 120000, 3600000, 1500, 0].map(formatDurationMs), ['1s', '250ms', '90s', '2m', '1h', '1.5s', '0s'])
})

t.test('YAML anchors and aliases share settings', async (t) => {
  const text = HEAD + NB + 'services:\n  - name: a\n    prefixes: [198.51.100.1/32]\n    check: &fast { tcp: "127.0.0.1:53", interval: 500ms, rise: 1 }\n  - name: b\n    prefixes: [198.51.100.2/32]\n    check: *fast\n'
  const { config } = parseConfigText(text, 'a.yaml')
  t.same(config.services.map((s) => [s.checks[0]!.intervalMs, s.checks[0]!.rise]), [[500, 1], [500, 1]])
})

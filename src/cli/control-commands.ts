/**
 * The CLI commands that talk to a running daemon over its control socket (protocol.ts):
 * status, neighbors, routes, services, announce, withdraw, drain, undrain, reload.
 * Each takes `--socket PATH` (default TSBGP_SOCKET, else /run/tsbgp/tsbgp.sock) and `--json`
 * (the daemon's result as one JSON line; `routes` as NDJSON, one row per line); without
 * `--json` it prints an aligned table. Errors go to stderr as `tsbgp: ...` with the exit code
 * of client.ts (69 when no daemon is listening).
 *
 * `routes` is rendered as it is read: rows are written one batch at a time and the writer
 * waits for stdout to drain, so `tsbgp routes | less` over a full table uses bounded memory in
 * the CLI and, through the socket, pauses the daemon's walk over the table.
 */
import type { Argv, CommandModule } from 'yargs'
import { controlRequest, controlStream, ControlClientError } from '../daemon/control/client.js'
import type { NeighborRow, RouteAttributesRow, RouteRow, ServiceRow, StatusInfo } from '../daemon/control/handler.js'
import { DEFAULT_CONTROL_SOCKET, type ControlAnnounceAttributes, type RoutesQuery } from '../daemon/control/protocol.js'
import { StreamTable, formatDuration, renderFields, renderTable, type Column } from './table.js'
import { drained } from './drained.js'

export interface CliIo {
  out: NodeJS.WritableStream
  err: NodeJS.WritableStream
  env?: NodeJS.ProcessEnv
  /** Wall clock (tests fix it). */
  now?: () => number
}

/** Options shared by every control command (after yargs parsing). */
interface CommonArgs {
  socket: string
  json: boolean
}

const ROUTE_BATCH_CHARS = 64 * 1024

/** The yargs command modules; `setCode` receives each command's exit code. */
export function controlCommands(io: CliIo, setCode: (code: number) => void): CommandModule[] {
  const env = io.env ?? process.env
  const common = (y: Argv): Argv =>
    y
      .option('socket', { type: 'string', default: env.TSBGP_SOCKET || DEFAULT_CONTROL_SOCKET, describe: 'control socket of the daemon (env TSBGP_SOCKET)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the daemon\'s answer as JSON (routes: one JSON row per line)' })
  const run = (fn: (a: Record<string, unknown>, c: CommonArgs) => Promise<void>) => async (a: Record<string, unknown>): Promise<void> => {
    const c: CommonArgs = { socket: String(a.socket), json: a.json === true }
    try {
      await fn(a, c)
      setCode(0)
    } catch (e) {
      if (!(e instanceof ControlClientError)) throw e
      io.err.write(`tsbgp: ${e.message}\n`)
      setCode(e.exitCode)
    }
  }
  const print = <R>(c: CommonArgs, result: R, text: (r: R) => string): void => {
    io.out.write(c.json ? JSON.stringify(result) + '\n' : text(result))
  }
  const now = io.now ?? Date.now
  const drainCommand = (cmd: 'drain' | 'undrain', describe: string): CommandModule => ({
    command: `${cmd} [service]`,
    describe,
    builder: (y: Argv) => common(y).positional('service', { type: 'string', describe: 'service name; all services when omitted' }),
    handler: run(async (a, c) => {
      const r = await controlRequest(c.socket, typeof a.service === 'string' ? { cmd, service: a.service } : { cmd })
      print(c, r, () => renderDrain(cmd, r.services))
    }),
  })

  return [
    {
      command: 'status',
      describe: 'summary of the running daemon',
      builder: common,
      handler: run(async (_a, c) => print(c, await controlRequest(c.socket, { cmd: 'status' }), (r) => renderStatus(r, now()))),
    },
    {
      command: 'neighbors',
      describe: 'BGP sessions: state, uptime, last error, prefixes per family',
      builder: common,
      handler: run(async (_a, c) => print(c, await controlRequest(c.socket, { cmd: 'neighbors' }), renderNeighbors)),
    },
    {
      command: 'routes',
      describe: 'best routes (default), or routes received from / advertised to neighbors',
      builder: (y: Argv) =>
        common(y)
          .option('received', { type: 'boolean', describe: 'routes received from neighbors (Adj-RIB-In)' })
          .option('advertised', { type: 'boolean', describe: 'routes advertised to neighbors (Adj-RIB-Out)' })
          .option('neighbor', { type: 'string', describe: 'only this neighbor (address)' })
          .option('family', { type: 'string', choices: ['ipv4', 'ipv6'], describe: 'only this address family' })
          .option('pre-policy', { type: 'boolean', describe: 'with --received: the routes before import policy' }),
      handler: run(async (a, c) => {
        if (a.received === true && a.advertised === true) throw new ControlClientError('give at most one of --received, --advertised', 64)
        const q: RoutesQuery = { view: a.received ? 'received' : a.advertised ? 'advertised' : 'best' }
        if (typeof a.neighbor === 'string') q.neighbor = a.neighbor
        if (a.family === 'ipv4' || a.family === 'ipv6') q.family = a.family
        if (a['pre-policy'] === true) q.prePolicy = true
        await printRoutes(io, c, q)
      }),
    },
    {
      command: 'services',
      describe: 'anycast services: state, announcement, checks',
      builder: common,
      handler: run(async (_a, c) => print(c, await controlRequest(c.socket, { cmd: 'services' }), (r) => renderServices(r, now()))),
    },
    {
      command: 'announce <prefix>',
      describe: 'originate a prefix (kept until withdrawn or the daemon stops)',
      builder: (y: Argv) =>
        common(y)
          .positional('prefix', { type: 'string', describe: 'e.g. 198.51.100.0/24' })
          .option('med', { type: 'number', describe: 'MULTI_EXIT_DISC' })
          .option('local-pref', { type: 'number', describe: 'LOCAL_PREF (iBGP neighbors)' })
          .option('community', { type: 'string', array: true, describe: '65000:100 or a well-known name (repeatable)' })
          .option('large-community', { type: 'string', array: true, describe: '65546:1:2 (repeatable)' })
          .option('as-path', { type: 'string', describe: 'AS numbers after ours, e.g. "65010 65020"' })
          .option('origin', { type: 'string', choices: ['igp', 'egp', 'incomplete'] })
          .option('next-hop', { type: 'string', describe: 'next hop toward iBGP neighbors' }),
      handler: run(async (a, c) => {
        const r = await controlRequest(c.socket, { cmd: 'announce', prefix: String(a.prefix), attributes: announceAttributes(a) })
        print(c, r, () => (r.changed ? `announced ${r.prefix} (${r.family})\n` : `${r.prefix} already announced with these attributes\n`))
      }),
    },
    {
      command: 'withdraw <prefix>',
      describe: 'withdraw a prefix announced with `tsbgp announce`',
      builder: (y: Argv) => common(y).positional('prefix', { type: 'string' }),
      handler: run(async (a, c) => {
        const r = await controlRequest(c.socket, { cmd: 'withdraw', prefix: String(a.prefix) })
        print(c, r, () => (r.changed ? `withdrawn ${r.prefix}\n` : `${r.prefix} was not announced through the control API\n`))
      }),
    },
    drainCommand('drain', 'gracefully move traffic away (RFC 8326 GRACEFUL_SHUTDOWN, then withdraw): one service or all'),
    drainCommand('undrain', 'end an admin drain: one service or all'),
    {
      command: 'reload',
      describe: 're-read the configuration file and apply the differences',
      builder: common,
      handler: run(async (_a, c) => {
        const r = await controlRequest(c.socket, { cmd: 'reload' })
        for (const w of r.warnings) io.err.write(`tsbgp: warning: ${w}\n`)
        print(c, r, () => (r.changes.length === 0 ? 'configuration reloaded: no changes\n' : `configuration reloaded: ${r.changes.length} change(s)\n${r.changes.map((x) => `  ${x}\n`).join('')}`))
      }),
    },
  ] as CommandModule[]
}

function announceAttributes(a: Record<string, unknown>): ControlAnnounceAttributes {
  const o: ControlAnnounceAttributes = {}
  if (typeof a.med === 'number') o.med = a.med
  if (typeof a['local-pref'] === 'number') o.localPref = a['local-pref']
  if (Array.isArray(a.community)) o.communities = a.community.map(String)
  if (Array.isArray(a['large-community'])) o.largeCommunities = a['large-community'].map(String)
  if (typeof a['as-path'] === 'string') {
    o.asPath = a['as-path'].split(/[\s,]+/).filter(Boolean).map(Number)
    if (o.asPath.some((n) => !Number.isInteger(n))) throw new ControlClientError(`--as-path ${a['as-path']}: AS numbers separated by spaces or commas`, 64)
  }
  if (a.origin === 'igp' || a.origin === 'egp' || a.origin === 'incomplete') o.origin = a.origin
  if (typeof a['next-hop'] === 'string') o.nextHop = a['next-hop']
  return o
}

export function renderStatus(s: StatusInfo, nowMs: number): string {
  const routes = Object.entries(s.routes).map(([f, n]) => `${n} ${f}`).join(', ')
  return renderFields([
    ['version', s.version],
    ['pid', s.pid],
    ['uptime', formatDuration(nowMs - s.startedAt)],
    ['router-id', s.routerId],
    ['local-as', s.localAs],
    ['config', `${s.configFile} (loaded ${formatDuration(nowMs - s.configLoadedAt)} ago)`],
    ['neighbors', `${s.neighbors.established}/${s.neighbors.total} established`],
    ['services', `${s.services.up}/${s.services.total} up, ${s.services.announced} announced`],
    ['routes', routes === '' ? '0' : routes],
    ['instance', s.instance.id === null ? 'no instance-id' : `id ${s.instance.id}, large community ${s.instance.largeCommunity}`],
    ['unique', s.instance.uniquePrefixes.length === 0 ? 'no unique prefixes' : s.instance.uniquePrefixes.join(', ')],
  ])
}

const NEIGHBOR_COLUMNS: Column[] = [
  { header: 'NEIGHBOR' }, { header: 'DESCRIPTION' }, { header: 'AS', align: 'right' }, { header: 'STATE' },
  { header: 'UPTIME', align: 'right' }, { header: 'FAMILY' }, { header: 'RECEIVED', align: 'right' },
  { header: 'ACCEPTED', align: 'right' }, { header: 'BEST', align: 'right' }, { header: 'ADVERTISED', align: 'right' },
  { header: 'LAST ERROR' },
]

export function renderNeighbors(rows: NeighborRow[]): string {
  const cells: Array<Array<string | number | null | undefined>> = []
  for (const n of rows) {
    const head = [n.address, n.description, n.remoteAs, n.state, formatDuration(n.uptimeMs)]
    const fams = Object.entries(n.families)
    if (fams.length === 0) cells.push([...head, '-', '-', '-', '-', '-', n.lastError])
    for (const [f, k] of fams) cells.push([...head, f, k!.received, k!.accepted, k!.best, k!.advertised, n.lastError])
  }
  return renderTable(NEIGHBOR_COLUMNS, cells)
}

const SERVICE_COLUMNS: Column[] = [
  { header: 'SERVICE' }, { header: 'STATE' }, { header: 'SINCE', align: 'right' }, { header: 'ANNOUNCED' },
  { header: 'MED', align: 'right' }, { header: 'PREFIXES' }, { header: 'CHECKS' }, { header: 'REASON' },
]

export function renderServices(rows: ServiceRow[], nowMs: number): string {
  return renderTable(
    SERVICE_COLUMNS,
    rows.map((s) => [
      s.name,
      s.maintenance.length > 0 && s.state !== 'maintenance' && s.state !== 'draining' ? `${s.state} (maint)` : s.state,
      formatDuration(nowMs - s.since),
      s.announced ? 'yes' : 'no',
      s.med,
      [...s.prefixes, ...s.uniquePrefixes].join(','),
      s.checks.map((k) => `${k.name}:${k.status}`).join(','),
      s.reason,
    ]),
  )
}

function renderDrain(what: 'drain' | 'undrain', services: Array<{ name: string; state: string }>): string {
  if (services.length === 0) return `${what}: no service\n`
  return `${what}: ${services.map((s) => `${s.name} (${s.state})`).join(', ')}\n`
}

export function routeColumns(view: RoutesQuery['view']): Column[] {
  return [
    { header: '' }, { header: 'PREFIX' }, { header: view === 'advertised' ? 'TO' : 'FROM' }, { header: 'NEXT HOP' },
    { header: 'MED', align: 'right' }, { header: 'LOCPRF', align: 'right' }, { header: 'AS PATH' }, { header: 'COMMUNITIES' },
  ]
}

function asPathText(a: RouteAttributesRow): string {
  if (a.asPathSegments !== undefined) {
    return a.asPathSegments.map((s) => (s.type === 'AS_SET' || s.type === 'AS_CONFED_SET' ? `{${s.asns.join(',')}}` : s.asns.join(' '))).join(' ')
  }
  return (a.asPath ?? []).join(' ')
}

export function routeCells(r: RouteRow): Array<string | number | undefined> {
  const a = r.attributes
  const flags = (r.best === true ? '*' : r.best === false ? '=' : ' ') + (r.stale === true ? 's' : '')
  const from = r.peer === '' || r.source === 'api' ? 'local' : r.peer
  const comms = [...(a.communities ?? []), ...(a.largeCommunities ?? [])].join(' ')
  // "65000 64500 i": the path, then the ORIGIN code as routers print it (i, e, ?).
  const origin = a.origin === undefined ? '' : a.origin === 'incomplete' ? '?' : a.origin[0]!
  const path = [asPathText(a), origin].filter((x) => x !== '').join(' ')
  return [flags.trimEnd() || ' ', r.prefix, from, a.nextHop, a.med, a.localPref, path, comms]
}

async function printRoutes(io: CliIo, c: CommonArgs, q: RoutesQuery): Promise<void> {
  let closed = false
  const onError = (): void => {
    closed = true // EPIPE: `| head` is done reading
  }
  io.out.on('error', onError)
  const table = c.json ? null : new StreamTable(routeColumns(q.view))
  let batch = ''
  const flush = async (): Promise<void> => {
    const text = batch
    batch = ''
    if (text === '' || closed) return
    if (!io.out.write(text)) await drained(io.out)
  }
  try {
    const rows = controlStream(c.socket, { cmd: 'routes', ...q })
    for await (const r of rows) {
      batch += table === null ? JSON.stringify(r) + '\n' : table.push(routeCells(r))
      if (batch.length >= ROUTE_BATCH_CHARS) await flush()
      if (closed) break // ends the stream: the daemon stops walking the table
    }
  } finally {
    // Rows read before a failure half way are still printed, then the error.
    if (table !== null && (batch !== '' || table.rows > 0)) batch += table.end()
    await flush()
    io.out.off('error', onError)
  }
}


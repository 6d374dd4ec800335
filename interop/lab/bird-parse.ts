// Parsers for birdc's human output (BIRD 2.0.12), with the config from
// bird.ts (`timeformat ... "%s"`, so a time is one token). Pure functions,
// tested on captured text in interop/test/lab.test.ts.
//
// show protocols all:
//   Name       Proto      Table      State  Since         Info
//   srv1       BGP        ---        up     1764262476    Established
//     BGP state:          Established
//       Neighbor address: 192.0.2.2
//       Last error:       Hold timer expired
//     Channel ipv4
//       Routes:         2 imported, 0 exported, 2 preferred
//
// show route for X all:
//   Table master4:
//   198.51.100.1/32      unicast [srv1 1764262477 from 192.0.2.2] * (100) [AS65010i]
//   	via 192.0.2.2 on srv1
//   	BGP.as_path: 65010
//                        unicast [srv2 1764262477] (100) [AS65010i]
//   	via 192.0.2.6 on srv2

export interface BirdChannelInfo { af: string, state: string, imported: number, exported: number, preferred: number, filtered: number }

export interface BirdProtocol {
  name: string
  proto: string
  table: string
  state: string
  since: string
  info: string
  /** BGP only: Idle/Connect/Active/OpenSent/OpenConfirm/Established. */
  bgpState?: string
  neighborAddress?: string
  neighborAs?: number
  lastError?: string
  channels: BirdChannelInfo[]
  /** Sum over channels. */
  imported: number
  exported: number
}

export interface BirdRoutePath {
  prefix: string
  table: string
  type: string
  protocol: string
  /** Session address the route came from (`from X`), if shown. */
  from?: string
  primary: boolean
  /** BGP.next_hop, else the first gateway. */
  nextHop?: string
  /** All `via A on IF` gateways (several for a multipath route). */
  gateways: Array<{ via: string, dev: string }>
  dev?: string
  asPath: number[]
  origin?: string
  med?: number
  localPref?: number
  communities: Array<[number, number]>
  largeCommunities: Array<[number, number, number]>
  attrs: Record<string, string>
}

export interface BirdRouteCount { tables: Record<string, { routes: number, networks: number }>, routes: number, networks: number }

export function parseBirdProtocols (text: string): BirdProtocol[] {
  const out: BirdProtocol[] = []
  let cur: BirdProtocol | null = null
  let chan: BirdChannelInfo | null = null
  for (const line of text.split('\n')) {
    if (line.startsWith('BIRD ') || line.startsWith('Name ') || line.trim() === '') continue
    if (!/^\s/.test(line)) {
      const f = line.trim().split(/\s+/)
      cur = { name: f[0], proto: f[1], table: f[2], state: f[3], since: f[4] ?? '', info: f.slice(5).join(' '), channels: [], imported: 0, exported: 0 }
      chan = null
      out.push(cur)
      continue
    }
    if (cur === null) continue
    const t = line.trim()
    const ch = /^Channel (\S+)/.exec(t)
    if (ch !== null) {
      chan = { af: ch[1], state: '', imported: 0, exported: 0, preferred: 0, filtered: 0 }
      cur.channels.push(chan)
      continue
    }
    const kv = /^([^:]+):\s*(.*)$/.exec(t)
    if (kv === null) continue
    const [, k, v] = kv
    if (chan !== null) {
      if (k === 'State') chan.state = v
      else if (k === 'Routes') {
        const num = (what: string): number => Number(new RegExp(`(\\d+) ${what}`).exec(v)?.[1] ?? 0)
        chan.imported = num('imported')
        chan.exported = num('exported')
        chan.preferred = num('preferred')
        chan.filtered = num('filtered')
        cur.imported += chan.imported
        cur.exported += chan.exported
      }
      continue
    }
    if (k === 'BGP state') cur.bgpState = v
    else if (k === 'Neighbor address') cur.neighborAddress = v
    else if (k === 'Neighbor AS') cur.neighborAs = Number(v)
    else if (k === 'Last error') cur.lastError = v
  }
  return out
}

const HEAD = /^(\S+)?\s+(\S+)\s+\[(\S+)\s+(\S+)(?:\s+from\s+(\S+))?\]\s*(\*)?\s*(?:\(([^)]*)\))?\s*(?:\[(.*)\])?\s*$/

export function parseBirdRoutes (text: string): BirdRoutePath[] {
  const out: BirdRoutePath[] = []
  let table = ''
  let prefix = ''
  let cur: BirdRoutePath | null = null
  for (const line of text.split('\n')) {
    if (line.startsWith('BIRD ') || line.trim() === '') continue
    const tm = /^Table (\S+):$/.exec(line)
    if (tm !== null) { table = tm[1]; continue }
    if (line.startsWith('\t')) {
      if (cur === null) continue
      const t = line.trim()
      const via = /^via (\S+) on (\S+)/.exec(t)
      if (via !== null) { cur.gateways.push({ via: via[1], dev: via[2] }); continue }
      const dev = /^dev (\S+)/.exec(t)
      if (dev !== null) { cur.dev = dev[1]; continue }
      const kv = /^([^:]+):\s*(.*)$/.exec(t)
      if (kv !== null) applyAttr(cur, kv[1], kv[2])
      continue
    }
    const m = HEAD.exec(line)
    if (m === null) continue
    if (m[1] !== undefined) prefix = m[1]
    cur = { prefix, table, type: m[2], protocol: m[3], from: m[5], primary: m[6] === '*', gateways: [], asPath: [], communities: [], largeCommunities: [], attrs: {} }
    out.push(cur)
  }
  for (const r of out) {
    r.nextHop ??= r.gateways[0]?.via
    // BIRD prints `from X` only when X differs from the gateway.
    if (r.from === undefined && r.attrs.Type?.startsWith('BGP') === true) r.from = r.gateways[0]?.via
  }
  return out
}

function applyAttr (r: BirdRoutePath, k: string, v: string): void {
  r.attrs[k] = v
  switch (k) {
    case 'BGP.as_path': r.asPath = (v.match(/\d+/g) ?? []).map(Number); break
    case 'BGP.origin': r.origin = v; break
    case 'BGP.next_hop': r.nextHop = v.split(/\s+/)[0]; break
    case 'BGP.med': r.med = Number(v); break
    case 'BGP.local_pref': r.localPref = Number(v); break
    case 'BGP.community':
      r.communities = [...v.matchAll(/\((\d+),\s*(\d+)\)/g)].map((x) => [Number(x[1]), Number(x[2])])
      break
    case 'BGP.large_community':
      r.largeCommunities = [...v.matchAll(/\((\d+),\s*(\d+),\s*(\d+)\)/g)].map((x) => [Number(x[1]), Number(x[2]), Number(x[3])])
      break
  }
}

export function parseBirdRouteCount (text: string): BirdRouteCount {
  const res: BirdRouteCount = { tables: {}, routes: 0, networks: 0 }
  for (const m of text.matchAll(/(\d+) of (\d+) routes for (\d+) networks in table (\S+)/g)) {
    const routes = Number(m[1])
    const networks = Number(m[3])
    res.tables[m[4]] = { routes, networks }
    res.routes += routes
    res.networks += networks
  }
  return res
}

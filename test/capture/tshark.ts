/**
 * tshark as an independent reference for the capture tests (not a test file).
 * `tshark -T json --no-duplicate-keys` output is reduced to, per BGP message: the direction, the
 * frame, whether tshark flagged it malformed, and the key fields we compare.
 */
import { execFile } from 'node:child_process'
import { endpoint } from '../../src/capture/tcp.js'

export interface TsharkMessage {
  dir: string
  frame: number
  malformed: boolean
  type: number
  /** UPDATE */
  nlri: string[]
  withdrawn: string[]
  mpNlri: string[]
  mpWithdrawn: string[]
  asPath: string | null
  nextHop: string[]
  mpNextHop: string[]
  communities: string[]
  /** OPEN */
  open?: { myAs: number; holdTime: number; bgpId: string }
}

type J = Record<string, unknown>

const arr = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v])

/** Objects (depth-first, document order) that have `key`. */
function objectsWith(o: unknown, key: string, out: J[] = []): J[] {
  if (Array.isArray(o)) for (const v of o) objectsWith(v, key, out)
  else if (o !== null && typeof o === 'object') {
    if (key in (o as J)) out.push(o as J)
    for (const v of Object.values(o as J)) objectsWith(v, key, out)
  }
  return out
}

function values(o: unknown, key: string): string[] {
  return objectsWith(o, key).flatMap((x) => arr(x[key]).map(String))
}

function prefixes(o: unknown, key: string): string[] {
  const out: string[] = []
  for (const x of objectsWith(o, key)) {
    const ps = arr(x[key])
    const ls = arr(x['bgp.prefix_length'])
    ps.forEach((p, i) => out.push(`${p}/${ls[i] ?? ls[0]}`))
  }
  return out.sort()
}

function hasMalformed(o: unknown): boolean {
  return objectsWith(o, '_ws.malformed').length > 0
}

function attrs(msg: J, code: number): J[] {
  return objectsWith(msg, 'bgp.update.path_attribute.type_code').filter((a) => Number(a['bgp.update.path_attribute.type_code']) === code)
}

function reduce(msg: J, dir: string, frame: number, frameMalformed: boolean): TsharkMessage {
  const m: TsharkMessage = {
    dir,
    frame,
    malformed: frameMalformed || hasMalformed(msg),
    type: Number(msg['bgp.type']),
    nlri: prefixes(msg, 'bgp.nlri_prefix'),
    withdrawn: prefixes(msg, 'bgp.withdrawn_prefix'),
    mpNlri: [...prefixes(msg, 'bgp.mp_reach_nlri_ipv4_prefix'), ...prefixes(msg, 'bgp.mp_reach_nlri_ipv6_prefix')].sort(),
    mpWithdrawn: [...prefixes(msg, 'bgp.mp_unreach_nlri_ipv4_prefix'), ...prefixes(msg, 'bgp.mp_unreach_nlri_ipv6_prefix')].sort(),
    asPath: null,
    nextHop: [],
    mpNextHop: [],
    communities: [],
  }
  const asPath = attrs(msg, 2)[0]
  if (asPath) {
    m.asPath = objectsWith(asPath, 'bgp.update.path_attribute.as_path_segment.type')
      .map((s) => `${s['bgp.update.path_attribute.as_path_segment.type']}:${arr(s['bgp.update.path_attribute.as_path_segment.as2'] ?? s['bgp.update.path_attribute.as_path_segment.as4']).join(',')}`)
      .join(' ')
  }
  for (const a of attrs(msg, 3)) m.nextHop.push(...values(a, 'bgp.update.path_attribute.next_hop'))
  for (const a of attrs(msg, 14)) {
    for (const k of ['ipv4', 'ipv6', 'ipv6.link_local']) m.mpNextHop.push(...values(a, `bgp.update.path_attribute.mp_reach_nlri.next_hop.${k}`))
  }
  for (const a of attrs(msg, 8)) {
    for (const c of objectsWith(a, 'bgp.update.path_attribute.community_as')) {
      m.communities.push(`${c['bgp.update.path_attribute.community_as']}:${c['bgp.update.path_attribute.community_value']}`)
    }
  }
  if (m.type === 1) {
    m.open = { myAs: Number(msg['bgp.open.myas']), holdTime: Number(msg['bgp.open.holdtime']), bgpId: String(msg['bgp.open.identifier']) }
  }
  return m
}

export function hasTshark(): Promise<boolean> {
  return new Promise((resolve) => execFile('tshark', ['--version'], (err) => resolve(!err)))
}

/** BGP messages tshark sees on the given ports (other ports decoded as BGP with -d). */
export function tsharkMessages(file: string, ports: number[]): Promise<TsharkMessage[]> {
  const filter = `bgp && (${ports.map((p) => `tcp.port==${p}`).join(' || ')})`
  const args = ['-n', '-r', file, '-T', 'json', '--no-duplicate-keys', '-Y', filter]
  for (const p of ports) if (p !== 179) args.push('-d', `tcp.port==${p},bgp`)
  return new Promise((resolve, reject) => {
    execFile('tshark', args, { maxBuffer: 256 * 1024 * 1024 }, (err, stdout) => {
      if (err) return reject(err)
      const frames = JSON.parse(stdout || '[]') as Array<{ _source: { layers: J } }>
      const out: TsharkMessage[] = []
      for (const f of frames) {
        const L = f._source.layers
        const ip = arr(L.ip ?? L.ipv6).at(-1) as J
        const tcp = arr(L.tcp).at(-1) as J
        const v6 = L.ip === undefined
        const src = String(ip[v6 ? 'ipv6.src' : 'ip.src'])
        const dst = String(ip[v6 ? 'ipv6.dst' : 'ip.dst'])
        const dir = `${endpoint(src, Number(tcp['tcp.srcport']))}>${endpoint(dst, Number(tcp['tcp.dstport']))}`
        const frame = Number((L.frame as J)['frame.number'])
        const frameMalformed = '_ws.malformed' in L
        for (const msg of arr(L.bgp) as J[]) out.push(reduce(msg, dir, frame, frameMalformed))
      }
      resolve(out)
    })
  })
}

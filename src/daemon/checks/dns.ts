/**
 * dns check: one query over UDP to the server; healthy when the RCODE is the expected one
 * (NOERROR by default) and, for NOERROR, the answer holds at least one record of the asked
 * type (an empty NOERROR answer, "NODATA", means the zone lost its data). Only a response
 * from the server's address and port with our ID counts (RFC 5452 §4.2 style matching).
 */
import { createSocket } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { isIP } from 'node:net'
import type { CheckSpec } from '../config/types.js'
import { decodeDnsResponse, DnsType, encodeDnsQuery } from './dns-message.js'
import { errorDetail, type ProbeResult } from './probe.js'

type DnsSpec = Extract<CheckSpec, { kind: 'dns' }>
const RCODE_NAME = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED']

export function probeDns(spec: DnsSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ ok: false, detail: 'timeout before start' })
    const id = randomInt(0, 65536)
    const qtype = DnsType[spec.qtype]
    const server = spec.server.replace(/^\[|\]$/g, '')
    const sock = createSocket(server.includes(':') ? 'udp6' : 'udp4')
    let done = false
    const finish = (r: ProbeResult): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      sock.close()
      resolve(r)
    }
    const onAbort = (): void => finish({ ok: false, detail: `timeout asking ${server}:${spec.port} for ${spec.qname} ${spec.qtype}` })
    signal.addEventListener('abort', onAbort, { once: true })
    sock.on('error', (e) => finish({ ok: false, detail: `${server}:${spec.port}: ${errorDetail(e)}` }))
    sock.on('message', (msg, rinfo) => {
      if (rinfo.port !== spec.port || (isIP(server) !== 0 && rinfo.address !== server)) return
      const res = decodeDnsResponse(msg)
      if (typeof res === 'string') return finish({ ok: false, detail: `malformed response: ${res}` })
      if (res.id !== id) return // not ours: keep waiting
      const rcode = RCODE_NAME[res.rcode] ?? `RCODE ${res.rcode}`
      if (res.rcode !== spec.rcode) return finish({ ok: false, detail: `${spec.qname} ${spec.qtype}: ${rcode}, expected ${RCODE_NAME[spec.rcode]}` })
      const n = res.answerTypes.filter((t) => t === qtype).length
      if (spec.rcode === 0 && n === 0 && !res.truncated) return finish({ ok: false, detail: `${spec.qname} ${spec.qtype}: NOERROR without ${spec.qtype} records` })
      finish({ ok: true, detail: `${spec.qname} ${spec.qtype}: ${rcode}, ${n} answer(s)` })
    })
    let query: Buffer
    try {
      query = encodeDnsQuery(id, spec.qname, qtype)
    } catch (e) {
      return finish({ ok: false, detail: (e as Error).message })
    }
    sock.send(query, spec.port, server, (e) => {
      if (e) finish({ ok: false, detail: `${server}:${spec.port}: ${errorDetail(e)}` })
    })
  })
}

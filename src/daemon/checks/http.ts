/**
 * http check: GET the URL; healthy when the status is in range (default 200-399) and, when
 * asked, the body contains a substring or matches a regular expression. Redirects are not
 * followed (a 3xx is a status like any other). The body is read only when it is matched,
 * and at most MAX_BODY bytes of it.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { CheckSpec } from '../config/types.js'
import { errorDetail, type ProbeResult } from './probe.js'

const MAX_BODY = 64 * 1024

type HttpSpec = Extract<CheckSpec, { kind: 'http' }>

export function probeHttp(spec: HttpSpec, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ ok: false, detail: 'timeout before start' })
    const wantBody = spec.body !== null || spec.bodyRegex !== null
    const request = spec.url.startsWith('https:') ? httpsRequest : httpRequest
    let done = false
    const finish = (r: ProbeResult): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      req.destroy()
      resolve(r)
    }
    const onAbort = (): void => finish({ ok: false, detail: `timeout fetching ${spec.url}` })
    signal.addEventListener('abort', onAbort, { once: true })
    const req = request(spec.url, { method: 'GET', signal, agent: false, headers: { 'user-agent': 'tsbgp-check', connection: 'close' } }, (res: IncomingMessage) => {
      const status = res.statusCode ?? 0
      if (status < spec.statusMin || status > spec.statusMax) {
        res.resume()
        return finish({ ok: false, detail: `status ${status} not in ${spec.statusMin}-${spec.statusMax}` })
      }
      if (!wantBody) {
        res.resume()
        return finish({ ok: true, detail: `status ${status}` })
      }
      const chunks: Buffer[] = []
      let size = 0
      const judge = (): void => {
        const body = Buffer.concat(chunks).toString('utf8')
        if (spec.body !== null && !body.includes(spec.body)) return finish({ ok: false, detail: `status ${status}, body lacks ${JSON.stringify(spec.body)}` })
        if (spec.bodyRegex !== null && !new RegExp(spec.bodyRegex).test(body)) return finish({ ok: false, detail: `status ${status}, body does not match /${spec.bodyRegex}/` })
        finish({ ok: true, detail: `status ${status}, body matches` })
      }
      res.on('data', (c: Buffer) => {
        if (size >= MAX_BODY) return
        chunks.push(c.subarray(0, MAX_BODY - size))
        size += c.length
        if (size >= MAX_BODY) judge()
      })
      res.on('end', judge)
      res.on('error', (e) => finish({ ok: false, detail: errorDetail(e) }))
    })
    req.on('error', (e) => finish({ ok: false, detail: signal.aborted ? `timeout fetching ${spec.url}` : `${spec.url}: ${errorDetail(e)}` }))
    req.end()
  })
}

/** tcp check: a TCP connection to host:port opens (three-way handshake done) = healthy; then closed at once. */
import { connect } from 'node:net'
import { errorDetail, type ProbeResult } from './probe.js'

export function probeTcp(host: string, port: number, signal: AbortSignal): Promise<ProbeResult> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve({ ok: false, detail: 'timeout before start' })
    const sock = connect({ host, port })
    let done = false
    const finish = (r: ProbeResult): void => {
      if (done) return
      done = true
      signal.removeEventListener('abort', onAbort)
      sock.destroy()
      resolve(r)
    }
    const onAbort = (): void => finish({ ok: false, detail: `timeout connecting to ${host}:${port}` })
    signal.addEventListener('abort', onAbort, { once: true })
    sock.once('connect', () => finish({ ok: true, detail: `connected to ${host}:${port}` }))
    sock.once('error', (e) => finish({ ok: false, detail: `${host}:${port}: ${errorDetail(e)}` }))
  })
}

/**
 * The Prometheus endpoint (`metrics: { listen: "127.0.0.1:9179" }`): plain HTTP/1.1, GET
 * /metrics only, everything else 404. Off unless configured (docs/config.md: nothing listens
 * unless asked). The body is rendered per scrape from the registry; a scrape costs O(series),
 * never O(routes), because prefix counts come from incrementally kept counters.
 *
 * Bounded like the control socket: few connections, short header/request timeouts, no request
 * body is read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { EXPOSITION_CONTENT_TYPE, renderExposition } from './exposition.js'
import type { Registry } from './registry.js'

/** The port `metrics.listen` uses when none is given (docs/config.md). */
export const DEFAULT_METRICS_PORT = 9179
const MAX_CONNECTIONS = 16
const REQUEST_TIMEOUT_MS = 10_000

export interface MetricsListen {
  address: string
  port: number
}

export class MetricsServer {
  private server: Server | null = null

  constructor(
    private readonly registry: Registry,
    private readonly listenOn: MetricsListen,
    private readonly onError?: (err: Error) => void,
  ) {}

  /** Resolves with the bound address (port 0 = a free port, for tests). */
  async listen(): Promise<MetricsListen> {
    if (this.server !== null) throw new Error('metrics server already listening')
    const server = createServer((req, res) => this.onRequest(req, res))
    server.maxConnections = MAX_CONNECTIONS
    server.headersTimeout = REQUEST_TIMEOUT_MS
    server.requestTimeout = REQUEST_TIMEOUT_MS
    server.keepAliveTimeout = 5_000
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.listenOn.port, this.listenOn.address, () => {
        server.off('error', reject)
        resolve()
      })
    })
    server.on('error', (e) => this.onError?.(e))
    this.server = server
    const a = server.address() as AddressInfo
    return { address: a.address, port: a.port }
  }

  async close(): Promise<void> {
    const server = this.server
    if (server === null) return
    this.server = null
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '').split('?')[0]
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: tsbgp serves GET /metrics only\n')
      return
    }
    let body: Buffer
    try {
      body = Buffer.from(renderExposition(this.registry), 'utf8')
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e))
      this.onError?.(err)
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end(`metrics collection failed: ${err.message}\n`)
      return
    }
    res.writeHead(200, { 'content-type': EXPOSITION_CONTENT_TYPE, 'content-length': body.length }).end(body)
  }
}

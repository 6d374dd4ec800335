/**
 * The demo's stand-in for a real service instance: a TCP listener on the server's loopback address that
 * answers each connection with the instance name. Stopping the service closes the listener (connections are
 * refused at once, which the tcp health check sees); starting it again listens on the same port, so the
 * check's configuration never changes.
 */
import { createServer, type Server, type Socket } from 'node:net'

export class DummyService {
  private server: Server | null = null
  private readonly sockets = new Set<Socket>()
  private boundPort = 0

  constructor(
    readonly name: string,
    readonly host: string,
  ) {}

  get port(): number {
    return this.boundPort
  }

  get running(): boolean {
    return this.server !== null
  }

  /** Listen (first time on a free port, later on the same one); resolves with the port. */
  start(): Promise<number> {
    if (this.server !== null) return Promise.resolve(this.boundPort)
    const server = createServer((sock) => {
      this.sockets.add(sock)
      sock.once('close', () => this.sockets.delete(sock))
      sock.on('error', () => {})
      sock.end(`${this.name}\n`)
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host: this.host, port: this.boundPort, exclusive: true }, () => {
        server.off('error', reject)
        this.server = server
        const a = server.address()
        this.boundPort = typeof a === 'object' && a !== null ? a.port : this.boundPort
        resolve(this.boundPort)
      })
    })
  }

  /** Stop accepting at once and drop open connections; resolves when the socket is closed. */
  stop(): Promise<void> {
    const server = this.server
    if (server === null) return Promise.resolve()
    this.server = null
    for (const s of this.sockets) s.destroy()
    this.sockets.clear()
    return new Promise((resolve) => server.close(() => resolve()))
  }
}

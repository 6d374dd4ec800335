/**
 * The passive side of TCP for BGP (RFC 4271 §8: "listens for a connection that may be initiated by
 * the remote BGP peer"): one listening socket (port 179 by default; below 1024 needs root or
 * CAP_NET_BIND_SERVICE, any other port works unprivileged) that hands each accepted connection to
 * the configured Peer whose address matches, and closes connections from anyone else (§8.2.1.2:
 * the implementation decides which connections are valid).
 *
 * Per-peer socket options go on the listening socket before the SYN arrives:
 * - RFC 2385 TCP MD5: TCP_MD5SIG for each peer address; Linux signs the handshake and copies the
 *   key to the accepted connection.
 * - RFC 5082 GTSM: IP_TTL 255 so the SYN-ACK already leaves with TTL 255 (accepted sockets inherit
 *   it); the minimum TTL is set per accepted connection by the Peer.
 */
import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { BGP_PORT, type Peer } from './peer.js'
import { handleFd, setTcpMd5, setTtl255 } from './sockopts.js'
import { normalizeAddress } from './transport.js'

export interface ListenerOptions {
  /** Local address; default '::' (dual stack where the host allows it). */
  host?: string
  /** Default 179. */
  port?: number
  backlog?: number
}

export interface ListenerEventMap {
  /** A connection from an address no Peer is configured for; it was closed. */
  refused: [info: { remoteAddress: string; remotePort: number }]
  error: [error: Error]
}

export class BgpListener extends EventEmitter<ListenerEventMap> {
  private readonly peers = new Map<string, Peer>()
  private readonly server: Server
  private listening = false
  private family: 4 | 6 = 6
  private ttl255 = false

  constructor(private readonly opts: ListenerOptions = {}) {
    super()
    this.server = createServer({ noDelay: true }, (s) => this.onConnection(s))
    this.server.on('error', (e) => {
      if (this.listening && this.listenerCount('error') > 0) this.emit('error', e)
    })
  }

  /** Bind and listen; rejects with the system error (EADDRINUSE, EACCES for port 179 unprivileged). */
  async listen(): Promise<{ address: string; port: number }> {
    const host = this.opts.host ?? '::'
    const port = this.opts.port ?? BGP_PORT
    await new Promise<void>((resolve, reject) => {
      const onErr = (e: Error): void => reject(e)
      this.server.once('error', onErr)
      this.server.listen({ host, port, backlog: this.opts.backlog ?? 64, ipv6Only: false }, () => {
        this.server.off('error', onErr)
        resolve()
      })
    })
    this.listening = true
    const a = this.address()
    this.family = a.family === 'IPv6' ? 6 : 4
    for (const p of this.peers.values()) await this.applySockopts(p)
    return { address: a.address, port: a.port }
  }

  address(): { address: string; port: number; family: string } {
    const a = this.server.address()
    if (a === null || typeof a === 'string') throw new Error('listener is not listening')
    return a
  }

  /** Accept connections from `peer.remoteAddress` for this peer (MD5 keys are installed now). */
  async addPeer(peer: Peer): Promise<void> {
    const key = normalizeAddress(peer.remoteAddress)
    if (this.peers.has(key) && this.peers.get(key) !== peer) throw new Error(`a peer for ${key} is already configured`)
    this.peers.set(key, peer)
    if (this.listening) await this.applySockopts(peer)
  }

  async removePeer(peer: Peer): Promise<void> {
    const key = normalizeAddress(peer.remoteAddress)
    if (this.peers.get(key) !== peer) return
    this.peers.delete(key)
    // An empty key removes the peer's MD5 entry.
    if (this.listening && peer.password !== undefined) await setTcpMd5(handleFd(this.server), key, '', this.family)
  }

  async close(): Promise<void> {
    if (!this.listening) return
    this.listening = false
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async applySockopts(peer: Peer): Promise<void> {
    const fd = handleFd(this.server)
    if (peer.password !== undefined) {
      if (this.family === 4 && peer.remoteAddress.includes(':')) throw new Error(`IPv4 listener cannot take MD5 key for ${peer.remoteAddress}`)
      await setTcpMd5(fd, peer.remoteAddress, peer.password, this.family)
    }
    if (peer.ttlSecurityHops !== undefined && !this.ttl255) {
      await setTtl255(fd, this.family)
      this.ttl255 = true
    }
  }

  private onConnection(s: Socket): void {
    const remoteAddress = normalizeAddress(s.remoteAddress ?? '')
    const peer = this.peers.get(remoteAddress)
    if (peer === undefined) {
      s.destroy()
      this.emit('refused', { remoteAddress, remotePort: s.remotePort ?? 0 })
      return
    }
    peer.acceptConnection(s)
  }
}

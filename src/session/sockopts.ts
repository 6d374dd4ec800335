/**
 * Socket options Node's net module does not expose, set through libc with the koffi FFI package
 * (an optional dependency, loaded only when a peer is configured with them):
 *
 * - TCP MD5 Signature Option, RFC 2385 §2: "Every segment sent on a TCP connection to be protected
 *   against spoofing will contain the 16-byte MD5 digest". Linux: setsockopt(IPPROTO_TCP,
 *   TCP_MD5SIG, struct tcp_md5sig) per peer address, before connect() or on the listening socket
 *   (accepted connections inherit the key).
 *
 *     struct tcp_md5sig {                       offset
 *       struct sockaddr_storage tcpm_addr;        0  (128 octets)
 *       __u8  tcpm_flags;                       128
 *       __u8  tcpm_prefixlen;                   129
 *       __u16 tcpm_keylen;                      130
 *       int   tcpm_ifindex;                     132
 *       __u8  tcpm_key[TCP_MD5SIG_MAXKEYLEN];   136  (80 octets)  = 216 octets
 *     };
 *
 * - GTSM, RFC 5082 §3: "GTSM-enabled routers ... set the TTL of outgoing packets to 255" and accept
 *   only packets with "TTL >= 255 - (hops - 1)" (our minimum: 256 - hops). Linux: IP_TTL /
 *   IPV6_UNICAST_HOPS out, IP_MINTTL / IPV6_MINHOPCOUNT in.
 *
 * Outbound sockets that need options before the SYN are created here (socket(), setsockopt(),
 * bind(), non-blocking connect(), poll() until writable, SO_ERROR); transport.ts wraps the fd.
 */
import { readFileSync } from 'node:fs'
import { isIPv4, isIPv6, type Server, type Socket } from 'node:net'
import { parseIpv6 } from '../wire/address.js'

const AF_INET = 2
const AF_INET6 = 10
const SOCK_STREAM = 1
const SOCK_NONBLOCK = 0o4000
const SOCK_CLOEXEC = 0o2000000
const IPPROTO_IP = 0
const IPPROTO_TCP = 6
const IPPROTO_IPV6 = 41
const SOL_SOCKET = 1
const SO_ERROR = 4
const TCP_MD5SIG = 14
const IP_TTL = 2
const IP_MINTTL = 21
const IPV6_UNICAST_HOPS = 16
const IPV6_MINHOPCOUNT = 73
const EINPROGRESS = 115
const POLLOUT = 4
const POLLERR = 8
const POLLHUP = 16
/** RFC 2385 keys are limited by Linux to TCP_MD5SIG_MAXKEYLEN. */
export const TCP_MD5SIG_MAXKEYLEN = 80
const MD5SIG_SIZE = 216

/** What a peer asks of its sockets. */
export interface SecurityOptions {
  /** RFC 2385 shared key. */
  password?: string
  /** RFC 5082 GTSM: the peer is at most this many hops away (1 = directly connected). */
  ttlSecurityHops?: number
  /**
   * Outbound IP TTL / IPv6 hop limit (1..255): 1 keeps an eBGP session to the directly connected
   * router, more allows eBGP multihop. Unset = the kernel default. Ignored with ttlSecurityHops (GTSM sends 255).
   */
  ttl?: number
}

interface Libc {
  socket: (domain: number, type: number, proto: number) => number
  setsockopt: (fd: number, level: number, name: number, val: Buffer, len: number) => number
  getsockopt: (fd: number, level: number, name: number, val: Buffer, len: number[]) => number
  bind: (fd: number, addr: Buffer, len: number) => number
  connect: (fd: number, addr: Buffer, len: number) => number
  poll: (fds: Buffer, n: number, timeoutMs: number) => number
  close: (fd: number) => number
  errno: () => number
}

let libc: Promise<Libc> | null = null

/**
 * Load libc through koffi, once. Rejects with a clear message when the platform cannot do it, so a
 * peer configured with a password or ttl-security fails at start-up instead of running unprotected.
 */
export function loadLibc(): Promise<Libc> {
  libc ??= (async (): Promise<Libc> => {
    if (process.platform !== 'linux') throw new Error(`TCP MD5 / GTSM need Linux (this is ${process.platform})`)
    let koffi: typeof import('koffi')
    try {
      const mod = (await import('koffi')) as unknown as { default?: typeof import('koffi') }
      koffi = mod.default ?? (mod as unknown as typeof import('koffi'))
    } catch (e) {
      throw new Error(`TCP MD5 / GTSM need the optional dependency koffi, which did not load: ${(e as Error).message}`)
    }
    const lib = koffi.load('libc.so.6')
    return {
      socket: lib.func('int socket(int, int, int)') as Libc['socket'],
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as Libc['setsockopt'],
      getsockopt: lib.func('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)') as Libc['getsockopt'],
      bind: lib.func('int bind(int, const void *, uint32_t)') as Libc['bind'],
      connect: lib.func('int connect(int, const void *, uint32_t)') as Libc['connect'],
      poll: lib.func('int poll(_Inout_ void *, unsigned long, int)') as Libc['poll'],
      close: lib.func('int close(int)') as Libc['close'],
      errno: () => koffi.errno(),
    }
  })()
  libc.catch(() => {
    libc = null
  })
  return libc
}

/** struct sockaddr_in / sockaddr_in6 in network order fields; IPv4 peers of an AF_INET6 socket go v4-mapped. */
export function sockaddr(address: string, port: number, family: 4 | 6 = isIPv6(address) ? 6 : 4): Buffer {
  if (family === 4) {
    const b = Buffer.alloc(16)
    b.writeUInt16LE(AF_INET, 0)
    b.writeUInt16BE(port, 2)
    const parts = address.split('.').map(Number)
    for (let i = 0; i < 4; i++) b[4 + i] = parts[i]!
    return b
  }
  const b = Buffer.alloc(28)
  b.writeUInt16LE(AF_INET6, 0)
  b.writeUInt16BE(port, 2)
  ipv6Bytes(isIPv4(address) ? `::ffff:${address}` : address).copy(b, 8)
  return b
}

function ipv6Bytes(a: string): Buffer {
  const out = Buffer.alloc(16)
  if (!parseIpv6(a, out, 0)) throw new RangeError(`not an IPv6 address: ${a}`)
  return out
}

/** The struct tcp_md5sig for one peer address (an empty password removes the key). */
export function md5sigStruct(peer: string, password: string, socketFamily: 4 | 6): Buffer {
  const key = Buffer.from(password, 'utf8')
  if (key.length > TCP_MD5SIG_MAXKEYLEN) throw new RangeError(`TCP MD5 password longer than ${TCP_MD5SIG_MAXKEYLEN} octets`)
  const b = Buffer.alloc(MD5SIG_SIZE)
  sockaddr(peer, 0, socketFamily).copy(b, 0)
  b.writeUInt16LE(key.length, 130)
  key.copy(b, 136)
  return b
}

function check(rc: number, lib: Libc, what: string): void {
  if (rc < 0) throw new Error(`${what} failed: errno ${lib.errno()}`)
}

function setInt(lib: Libc, fd: number, level: number, name: number, value: number, what: string): void {
  const v = Buffer.alloc(4)
  v.writeInt32LE(value)
  check(lib.setsockopt(fd, level, name, v, 4), lib, what)
}

/** Set the RFC 2385 key for `peer` on fd (a socket of family `family`). */
export async function setTcpMd5(fd: number, peer: string, password: string, family: 4 | 6): Promise<void> {
  const lib = await loadLibc()
  const s = md5sigStruct(peer, password, family)
  check(lib.setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, s, s.length), lib, `setsockopt(TCP_MD5SIG, ${peer})`)
}

/** RFC 5082 outbound half: send with TTL / hop limit 255 (also for IPv4-mapped traffic on a v6 socket). */
export async function setTtl255(fd: number, family: 4 | 6): Promise<void> {
  await setTtl(fd, 255, family)
}

/** Outbound TTL / hop limit (eBGP single hop = 1, multihop = n). */
export async function setTtl(fd: number, ttl: number, family: 4 | 6): Promise<void> {
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 255) throw new RangeError(`TTL ${ttl} is not in 1..255`)
  const lib = await loadLibc()
  setInt(lib, fd, IPPROTO_IP, IP_TTL, ttl, 'setsockopt(IP_TTL)')
  if (family === 6) setInt(lib, fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl, 'setsockopt(IPV6_UNICAST_HOPS)')
}

/** The socket's outbound TTL (IPv4) or hop limit (IPv6), as the kernel will use it. */
export async function getTtl(fd: number, family: 4 | 6): Promise<number> {
  const lib = await loadLibc()
  const v = Buffer.alloc(4)
  const len = [4]
  check(lib.getsockopt(fd, family === 6 ? IPPROTO_IPV6 : IPPROTO_IP, family === 6 ? IPV6_UNICAST_HOPS : IP_TTL, v, len), lib, 'getsockopt(TTL)')
  return v.readInt32LE(0)
}

/** RFC 5082 inbound half: drop segments whose TTL is below 256 - hops. */
export async function setMinTtl(fd: number, hops: number, family: 4 | 6, peerIsV4: boolean): Promise<void> {
  const lib = await loadLibc()
  const min = 256 - Math.max(1, Math.min(255, hops))
  if (family === 4 || peerIsV4) setInt(lib, fd, IPPROTO_IP, IP_MINTTL, min, 'setsockopt(IP_MINTTL)')
  if (family === 6) setInt(lib, fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, min, 'setsockopt(IPV6_MINHOPCOUNT)')
}

/** The fd under a net.Socket or net.Server (Node keeps it on the libuv handle). */
export function handleFd(h: Socket | Server): number {
  const fd = (h as unknown as { _handle?: { fd?: number } })._handle?.fd
  if (typeof fd !== 'number' || fd < 0) throw new Error('no file descriptor on this socket (not a TCP socket yet?)')
  return fd
}

export interface SecureConnectOptions extends SecurityOptions {
  host: string
  port: number
  localAddress?: string
  timeoutMs: number
  /** Poll interval while the connect is in progress. */
  pollMs?: number
  signal?: AbortSignal
}

/**
 * connect() on a socket that carries MD5 / GTSM from its SYN on. Resolves with the connected fd
 * (transport.ts wraps it in a net.Socket); rejects on refusal, timeout or abort (the fd is closed
 * in every failure case).
 */
export async function secureConnect(o: SecureConnectOptions): Promise<number> {
  const lib = await loadLibc()
  const family: 4 | 6 = isIPv6(o.host) ? 6 : 4
  const fd = lib.socket(family === 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)
  check(fd, lib, 'socket()')
  let handedOver = false
  try {
    if (o.password !== undefined) await setTcpMd5(fd, o.host, o.password, family)
    if (o.ttlSecurityHops !== undefined) {
      await setTtl255(fd, family)
      await setMinTtl(fd, o.ttlSecurityHops, family, family === 4)
    } else if (o.ttl !== undefined) await setTtl(fd, o.ttl, family)
    if (o.localAddress !== undefined) {
      const a = sockaddr(o.localAddress, 0, family)
      check(lib.bind(fd, a, a.length), lib, `bind(${o.localAddress})`)
    }
    const sa = sockaddr(o.host, o.port, family)
    if (lib.connect(fd, sa, sa.length) < 0) {
      const e = lib.errno()
      if (e !== EINPROGRESS) throw new Error(`connect(${o.host}:${o.port}) failed: errno ${e}`)
    }
    const pfd = Buffer.alloc(8)
    const deadline = Date.now() + o.timeoutMs
    for (;;) {
      if (o.signal?.aborted) throw new Error('connect aborted')
      pfd.writeInt32LE(fd, 0)
      pfd.writeInt16LE(POLLOUT, 4)
      pfd.writeInt16LE(0, 6)
      const n = lib.poll(pfd, 1, 0)
      if (n > 0 && (pfd.readInt16LE(6) & (POLLOUT | POLLERR | POLLHUP)) !== 0) break
      if (Date.now() >= deadline) throw new Error(`connect(${o.host}:${o.port}) timed out after ${o.timeoutMs} ms`)
      await new Promise((r) => setTimeout(r, o.pollMs ?? 20))
    }
    const err = Buffer.alloc(4)
    check(lib.getsockopt(fd, SOL_SOCKET, SO_ERROR, err, [4]), lib, 'getsockopt(SO_ERROR)')
    const soError = err.readInt32LE()
    if (soError !== 0) throw new Error(`connect(${o.host}:${o.port}) failed: errno ${soError}${soError === 111 ? ' (ECONNREFUSED)' : ''}`)
    handedOver = true
    return fd
  } finally {
    if (!handedOver) lib.close(fd)
  }
}

/** Kernel TCP MD5 counters (TcpExt in /proc/net/netstat), or null when unreadable. */
export interface Md5Counters {
  TCPMD5NotFound: number
  TCPMD5Unexpected: number
  TCPMD5Failure: number
}

export function readMd5Counters(path = '/proc/net/netstat'): Md5Counters | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch {
    return null
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'))
  if (lines.length < 2) return null
  const names = lines[0]!.split(/\s+/).slice(1)
  const values = lines[1]!.split(/\s+/).slice(1).map(Number)
  const get = (n: string): number => {
    const i = names.indexOf(n)
    return i < 0 ? 0 : values[i]!
  }
  return { TCPMD5NotFound: get('TCPMD5NotFound'), TCPMD5Unexpected: get('TCPMD5Unexpected'), TCPMD5Failure: get('TCPMD5Failure') }
}

/** Whether the kernel counted any MD5 drop between the two readings. */
export function md5Grew(before: Md5Counters, after: Md5Counters): boolean {
  return after.TCPMD5Failure > before.TCPMD5Failure || after.TCPMD5Unexpected > before.TCPMD5Unexpected || after.TCPMD5NotFound > before.TCPMD5NotFound
}

/**
 * What the counters' growth since `before` says about a session that never completes its
 * handshake: NotFound = a signed segment arrived where no key is configured; Unexpected = an
 * unsigned segment arrived where a key is configured; Failure = the signature did not verify
 * (different passwords). On loopback both ends share these counters.
 */
export function explainMd5(before: Md5Counters | null, after: Md5Counters | null): string {
  if (before === null || after === null) return 'kernel MD5 counters unavailable'
  const d = (k: keyof Md5Counters): number => after[k] - before[k]
  const parts: string[] = []
  if (d('TCPMD5Failure') > 0) parts.push(`${d('TCPMD5Failure')} segments failed MD5 verification (passwords differ)`)
  if (d('TCPMD5Unexpected') > 0) parts.push(`${d('TCPMD5Unexpected')} signed segments arrived where no key is set (the peer signs, we or it lack the password)`)
  if (d('TCPMD5NotFound') > 0) parts.push(`${d('TCPMD5NotFound')} unsigned segments arrived where a key is set (the peer has no password)`)
  return parts.length ? parts.join('; ') : 'no MD5 drops counted by the kernel'
}

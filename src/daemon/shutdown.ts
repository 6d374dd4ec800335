/**
 * Graceful shutdown, RFC 8326 make-before-break:
 *
 *   1. every service goes into maintenance (source 'shutdown'): an announced service is re-announced with
 *      GRACEFUL_SHUTDOWN 65535:0 and its drain attributes (LOCAL_PREF toward iBGP, prepend toward eBGP),
 *      so routers move traffic to other instances while this one still answers;
 *   2. wait for the longest drain period (a second SIGTERM/SIGINT, skip(), ends the wait at once);
 *   3. withdraw everything, the unique prefixes last of all (stateful sessions pinned to them survive
 *      until here), and let the UPDATEs reach the sockets;
 *   4. close every session with Cease / Administrative Shutdown (RFC 4486) and an RFC 9003 Shutdown
 *      Communication naming the reason.
 *
 * RFC 8326 §4: "the operator ... can then ... wait for the traffic to shift ... and then terminate the
 * session". The wait is bounded by the configured drain periods; nothing waits on the network.
 */
import type { Logger } from 'pino'

export interface ShutdownHost {
  readonly log: Logger
  /** Put every service into maintenance 'shutdown'; returns the longest drain period among announced ones. */
  startDrain(): number
  /** Whether any anycast prefix is still announced (a draining service). */
  anyAnnounced(): boolean
  /** Stop monitors and withdraw everything, unique prefixes included. */
  withdrawAll(): Promise<void>
  /** Resolve once the withdrawals are written (bounded). */
  flushed(timeoutMs: number): Promise<void>
  /** Cease / Administrative Shutdown with this RFC 9003 message, close listeners and sockets. */
  closeSessions(message: string): Promise<void>
}

export interface ShutdownControl {
  /** End the drain wait now (second signal). */
  skip(): void
  readonly done: Promise<void>
}

/** RFC 9003 §2: the Shutdown Communication is at most 255 octets of UTF-8. */
export function shutdownMessage(reason: string): string {
  const text = `tsbgp shutdown: ${reason}`
  const b = Buffer.from(text, 'utf8')
  if (b.length <= 255) return text
  let end = 255
  while (end > 0 && (b[end]! & 0xc0) === 0x80) end--
  return b.subarray(0, end).toString('utf8')
}

export function gracefulShutdown(host: ShutdownHost, reason: string, o: { flushTimeoutMs?: number } = {}): ShutdownControl {
  let skipNow: () => void = () => {}
  let skipped = false
  const skipPromise = new Promise<void>((resolve) => {
    skipNow = () => {
      skipped = true
      resolve()
    }
  })
  const done = (async () => {
    const periodMs = host.startDrain()
    host.log.info({ event: 'shutdown-drain', reason, drainMs: periodMs }, `shutdown: draining for ${periodMs} ms (GRACEFUL_SHUTDOWN 65535:0)`)
    if (periodMs > 0 && host.anyAnnounced() && !skipped) {
      let timer: NodeJS.Timeout | undefined
      const poll = setInterval(() => {
        // The drain deadline of each service withdraws it; stop waiting once all are gone.
        if (!host.anyAnnounced()) skipNow()
      }, 50)
      await Promise.race([skipPromise, new Promise<void>((resolve) => (timer = setTimeout(resolve, periodMs + 100)))])
      clearTimeout(timer)
      clearInterval(poll)
      if (skipped && host.anyAnnounced()) host.log.warn({ event: 'shutdown-skip' }, 'shutdown: drain wait skipped')
    }
    await host.withdrawAll()
    await host.flushed(o.flushTimeoutMs ?? 1000)
    const message = shutdownMessage(reason)
    host.log.info({ event: 'shutdown-close', message }, 'shutdown: closing sessions (Cease / Administrative Shutdown)')
    await host.closeSessions(message)
  })()
  return { skip: () => skipNow(), done }
}

/** Waiting on a writable that returned false from write(): the CLI's one back-pressure helper. */

/** Resolves on 'drain', 'close' or 'error', whichever comes first, and removes all three listeners. */
export function drained(out: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      out.removeListener('drain', done)
      out.removeListener('close', done)
      out.removeListener('error', done)
      resolve()
    }
    out.on('drain', done)
    out.on('close', done)
    out.on('error', done)
  })
}

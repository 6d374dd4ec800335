/**
 * Open an MRT dump as a byte stream, undoing gzip or bzip2 transparently (RFC 6396 says nothing
 * about compression; collectors publish `.gz` and `.bz2` files, so the reader looks at the magic
 * octets, not the file name).
 *
 *   1f 8b        gzip (RFC 1952 §2.3.1 ID1 ID2)       -> zlib.createGunzip()
 *   42 5a 68     bzip2 "BZh" stream header            -> `bzip2 -dc` child (C, another core)
 *                                                        or the unbzip2-stream package (pure JS)
 *   anything else: raw MRT
 *
 * bzip2 is the slow part of reading a RIB dump (the pure-JS decoder is several times slower than
 * the C one), so when `bzip2` is on PATH it runs as a child process and decompresses on the second
 * core while this process parses. Everything is a stream: memory does not grow with the file size.
 */
import { spawn } from 'node:child_process'
import { createReadStream, promises as fsp } from 'node:fs'
import { delimiter, join } from 'node:path'
import { createGunzip } from 'node:zlib'
import { PassThrough, type Readable } from 'node:stream'

export type Compression = 'none' | 'gzip' | 'bzip2'

export function detectCompression(head: Uint8Array): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip'
  if (head.length >= 3 && head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2'
  return 'none'
}

export interface OpenOptions {
  /** Force the pure-JS bzip2 decoder even when the `bzip2` command exists (tests). */
  noBzip2Command?: boolean
  /** Read chunk size for the file itself (default 256 KiB). */
  highWaterMark?: number
}

let bzip2Path: string | null | undefined

/** Absolute path of `bzip2` on PATH, or null; looked up once per process. */
export async function findBzip2(): Promise<string | null> {
  if (bzip2Path !== undefined) return bzip2Path
  bzip2Path = null
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const p = join(dir, 'bzip2')
    try {
      await fsp.access(p, 1 /* X_OK */)
      bzip2Path = p
      break
    } catch {
      // not here
    }
  }
  return bzip2Path
}

/**
 * A Readable of the uncompressed MRT bytes. Rejects (ENOENT, EACCES, EISDIR...) when the file
 * cannot be opened; stream errors later (corrupt gzip, bzip2 exit status) surface as 'error'.
 */
export async function openMrtFile(path: string, opts: OpenOptions = {}): Promise<{ stream: Readable; compression: Compression }> {
  const fh = await fsp.open(path, 'r')
  let head: Uint8Array
  try {
    const st = await fh.stat()
    if (st.isDirectory()) throw Object.assign(new Error(`${path}: is a directory`), { code: 'EISDIR' })
    const b = Buffer.alloc(3)
    const { bytesRead } = await fh.read(b, 0, 3, 0)
    head = b.subarray(0, bytesRead)
  } finally {
    await fh.close()
  }
  const compression = detectCompression(head)
  const hwm = opts.highWaterMark ?? 256 * 1024
  if (compression === 'gzip') {
    const src = createReadStream(path, { highWaterMark: hwm })
    const gunzip = createGunzip({ chunkSize: 128 * 1024 })
    src.on('error', (e) => gunzip.destroy(e))
    return { stream: src.pipe(gunzip), compression }
  }
  if (compression === 'bzip2') {
    const cmd = opts.noBzip2Command ? null : await findBzip2()
    if (cmd !== null) return { stream: spawnBzip2(cmd, path), compression }
    const { default: bz2 } = await import('unbzip2-stream')
    // unbzip2-stream is an old-style `through` stream (not async-iterable): feed a PassThrough.
    const src = createReadStream(path, { highWaterMark: hwm })
    const dec = bz2()
    const out = new PassThrough({ highWaterMark: 256 * 1024 })
    src.on('error', (e) => out.destroy(e))
    dec.on('error', (e: Error) => out.destroy(e))
    out.on('close', () => src.destroy())
    src.pipe(dec).pipe(out)
    return { stream: out, compression }
  }
  return { stream: createReadStream(path, { highWaterMark: hwm }), compression }
}

/**
 * `bzip2 -dc FILE`. Its stdout is piped into a PassThrough that ends only when the child exits 0,
 * so a corrupt archive is a stream error even when the bytes before the fault framed cleanly.
 */
function spawnBzip2(cmd: string, path: string): Readable {
  const child = spawn(cmd, ['-dc', '--', path], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out = new PassThrough({ highWaterMark: 256 * 1024 })
  let stderr = ''
  let stdoutEnded = false
  let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null
  const finish = (): void => {
    if (!stdoutEnded || exit === null || out.destroyed) return
    if (exit.code === 0) out.end()
    else out.destroy(new Error(`bzip2 -dc ${path}: ${exit.code !== null ? `exit status ${exit.code}` : `killed by ${exit.signal}`}: ${stderr.trim()}`))
  }
  child.stderr.setEncoding('utf8')
  child.stderr.on('data', (s: string) => {
    if (stderr.length < 4096) stderr += s
  })
  child.stdout.pipe(out, { end: false })
  child.stdout.on('end', () => {
    stdoutEnded = true
    finish()
  })
  child.on('error', (e) => out.destroy(e))
  child.on('exit', (code, signal) => {
    exit = { code, signal }
    finish()
  })
  // Stop the child when the consumer abandons the stream (break out of for-await).
  out.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    child.stdout.destroy()
  })
  return out
}

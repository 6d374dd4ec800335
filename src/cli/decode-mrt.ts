/**
 * `tsbgp decode --mrt FILE`: an MRT dump (RFC 6396, RFC 8050; gzip/bzip2 undone) as NDJSON on `out`,
 * one line per RIB entry or per BGP4MP record (forms in src/mrt/json.ts).
 *
 * Throughput: records are decoded synchronously chunk by chunk, lines are appended as octets to an
 * OutBuffer and written in ~128 KiB batches; the writer waits for 'drain' when `out` pushes back,
 * so memory stays bounded when the reader of `out` is slow.
 *
 * Exit codes (sysexits.h): 0 the file was read to its end (content faults are reported as
 * `{type:"MRT", error}` lines and do not change it); 65 (EX_DATAERR) the MRT framing broke or the
 * compressed stream is corrupt, so the rest of the file was not read; 66 (EX_NOINPUT) the file
 * cannot be opened. A closed `out` (EPIPE: `| head`) ends the run quietly with 0.
 */
import { openMrtFile } from '../mrt/file-source.js'
import { MrtFramer } from '../mrt/record-reader.js'
import { MrtReadState } from '../mrt/record.js'
import { MrtLineWriter } from '../mrt/ndjson.js'
import { OutBuffer } from '../mrt/out-buffer.js'
import { drained } from './drained.js'

export interface DecodeMrtOptions {
  file: string
  out: NodeJS.WritableStream
  /** Force 4-octet (true) or 2-octet (false) AS_PATH reading of BGP4MP messages. */
  as4?: boolean
  /** Use the pure-JS bzip2 decoder even when `bzip2` is installed. */
  noBzip2Command?: boolean
  /** Error text goes here (default process.stderr). */
  err?: NodeJS.WritableStream
}

const BATCH_BYTES = 128 * 1024


export async function decodeMrt(opts: DecodeMrtOptions): Promise<number> {
  const errOut = opts.err ?? process.stderr
  let src
  try {
    src = await openMrtFile(opts.file, { noBzip2Command: opts.noBzip2Command })
  } catch (e) {
    errOut.write(`tsbgp: cannot read ${opts.file}: ${e instanceof Error ? e.message : String(e)}\n`)
    return 66
  }
  const { stream } = src
  const out = opts.out
  let outClosed = false
  const onOutError = (e: NodeJS.ErrnoException): void => {
    outClosed = true
    if (e.code !== 'EPIPE') errOut.write(`tsbgp: write error: ${e.message}\n`)
    stream.destroy()
  }
  out.on('error', onOutError)

  const framer = new MrtFramer()
  const lines = new MrtLineWriter(new MrtReadState(opts.as4))
  const text = new OutBuffer(BATCH_BYTES * 2)
  const flush = async (): Promise<void> => {
    if (text.pos === 0 || outClosed) return
    const ok = out.write(text.take())
    if (!ok && !outClosed) await drained(out)
  }

  let code = 0
  try {
    for await (const chunk of stream) {
      framer.push(chunk as Buffer)
      for (;;) {
        const r = framer.next()
        if (r.kind === 'need') break
        if (r.kind === 'error') {
          text.text(JSON.stringify({ type: 'MRT', error: { reason: r.reason, offset: r.offset } }) + '\n')
          code = 65
          break
        }
        lines.record(r.record, text)
        if (text.pos >= BATCH_BYTES) await flush()
        if (outClosed) break
      }
      if (code !== 0 || outClosed) break
    }
    if (code === 0 && !outClosed) {
      const tail = framer.finish()
      if (tail !== null && tail.kind === 'error') {
        text.text(JSON.stringify({ type: 'MRT', error: { reason: tail.reason, offset: tail.offset } }) + '\n')
        code = 65
      }
    }
  } catch (e) {
    if (!outClosed) {
      // decompression or read failure part-way through
      text.text(JSON.stringify({ type: 'MRT', error: { reason: e instanceof Error ? e.message : String(e), offset: framer.offset } }) + '\n')
      code = 65
    }
  } finally {
    stream.destroy()
  }
  await flush()
  // the 'error' listener stays: an EPIPE may still arrive for the last write after we return
  return outClosed ? 0 : code
}

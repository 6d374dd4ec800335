/**
 * The `tsbgp` command line: yargs commands, each a thin shell over a lower layer.
 */
import yargs from 'yargs'
import { controlCommands, type CliIo } from './control-commands.js'

/** `io` defaults to the process's streams; tests pass their own. */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0
  await yargs(argv)
    .scriptName('tsbgp')
    .strict()
    .demandCommand(1, 'name a command; see --help')
    .command(
      'decode',
      'decode BGP messages from hex, a packet capture or an MRT dump to NDJSON',
      (y) =>
        y
          .option('hex', { type: 'string', describe: 'one whole message in hex (marker and header included)' })
          .option('pcap', { type: 'string', describe: 'pcap or pcapng file (gzip allowed)' })
          .option('mrt', { type: 'string', describe: 'MRT file (gzip or bzip2 allowed)' })
          .option('port', { type: 'array', number: true, describe: 'TCP ports carrying BGP in the capture', default: [179] })
          .option('as4', { type: 'string', choices: ['yes', 'no'], describe: 'override 4-octet AS detection' })
          .option('add-path', { type: 'string', describe: 'families with ADD-PATH path ids, e.g. ipv4,ipv6' })
          .option('extended-message', { type: 'boolean', describe: 'allow 65535-octet messages' })
          .check((a) => {
            const n = [a.hex, a.pcap, a.mrt].filter((x) => x !== undefined).length
            if (n !== 1) throw new Error('give exactly one of --hex, --pcap, --mrt')
            return true
          }),
      async (a) => {
        const as4 = a.as4 === undefined ? undefined : a.as4 === 'yes'
        const addPath = a['add-path'] ? String(a['add-path']).split(',').map((s) => s.trim()).filter(Boolean) : undefined
        const common = { as4, addPath, extendedMessage: a['extended-message'], out: process.stdout }
        if (a.hex !== undefined) {
          const { decodeHex } = await import('./decode-hex.js')
          code = decodeHex({ ...common, hex: a.hex })
        } else if (a.pcap !== undefined) {
          const { decodePcap } = await import('./decode-pcap.js')
          code = await decodePcap({ ...common, file: a.pcap, ports: (a.port as number[]) ?? [179] })
        } else {
          const { decodeMrt } = await import('./decode-mrt.js')
          code = await decodeMrt({ file: a.mrt!, out: process.stdout, as4 })
        }
      },
    )
    .command(controlCommands(io, (c) => { code = c }))
    .command('demo', 'the anycast cluster on loopback (arrives with the daemon, issue 5)', {}, () => {
      process.stderr.write('tsbgp demo: not implemented yet: it needs the daemon (issue 5); today tsbgp provides `decode`\n')
      code = 69 // EX_UNAVAILABLE
    })
    .fail((msg, err) => {
      if (err) throw err
      io.err.write(`tsbgp: ${msg}\n`)
      code = 64 // EX_USAGE
    })
    .help()
    .version()
    .parseAsync()
  return code
}

/**
 * The `tsbgp` command line: yargs commands, each a thin shell over a lower layer.
 */
import yargs from 'yargs'
import { controlCommands, type CliIo } from './control-commands.js'

class UsageError extends Error {}

/** `io` defaults to the process's streams; tests pass their own. */
export async function main(argv: string[], io: CliIo = { out: process.stdout, err: process.stderr }): Promise<number> {
  let code = 0
  try {
    await cli(argv, io, (c) => {
      code = c
    })
  } catch (e) {
    // Thrown synchronously or as a rejection, depending on where yargs validates.
    if (!(e instanceof UsageError)) throw e
    io.err.write(`tsbgp: ${e.message}\n`)
    code = 64 // EX_USAGE
  }
  return code
}

/** The yargs program; `setCode` receives the exit code of the command that ran. */
function cli(argv: string[], io: CliIo, setCode: (c: number) => void): Promise<unknown> {
  let code = 0
  return yargs(argv)
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
    .command(
      'run',
      'run the daemon: BGP sessions, health-checked services, control socket (SIGTERM: graceful shutdown, SIGHUP: reload)',
      (y) =>
        y
          .option('config', { type: 'string', demandOption: true, describe: 'YAML config file (docs/config.md)' })
          .option('log-level', { type: 'string', choices: ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'], describe: 'override log.level' }),
      async (a) => {
        const { runDaemon } = await import('./run.js')
        code = await runDaemon({ config: a.config, logLevel: a['log-level'] as 'info' | undefined, io: { out: process.stdout, err: io.err } })
      },
    )
    .command(
      'check-config <file>',
      'validate a daemon config and print the effective config (exit 0, or 78 with FILE:LINE:COL errors)',
      (y) => y.positional('file', { type: 'string', demandOption: true }).option('json', { type: 'boolean', describe: 'JSON instead of YAML' }),
      async (a) => {
        const { checkConfig } = await import('./run.js')
        code = await checkConfig(a.file, a.json === true, { out: io.out, err: io.err })
      },
    )
    .command(controlCommands(io, (c) => { code = c }))
    .command(
      'demo',
      'run the whole idea on loopback: a border router, three anycast servers; stop, drain and restore a service',
      (y) =>
        y
          .option('json', { type: 'boolean', describe: 'NDJSON events instead of tables' })
          .option('quiet', { type: 'boolean', describe: 'print nothing; the exit code says whether every step was seen' })
          .option('verbose', { type: 'boolean', describe: 'speaker and session logs (pino) on stderr' }),
      async (a) => {
        const { runDemo } = await import('./demo.js')
        code = await runDemo({ out: io.out, err: io.err, json: a.json, quiet: a.quiet, verbose: a.verbose })
      },
    )
    .fail((msg, err) => {
      if (err) throw err
      // Throwing stops yargs here: returning would let it run the command's handler anyway.
      throw new UsageError(msg)
    })
    .help()
    .version()
    .parseAsync()
    .then((r) => {
      setCode(code)
      return r
    })
}

/** Run a command to completion with stdout discarded (or counted), measuring wall time and peak RSS (VmHWM). */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'

export interface Measured {
  seconds: number
  peakRssMB: number
  stdoutLines: number
  code: number | null
}

export function measure(cmd: string, args: string[], timeoutMs = 120_000): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint()
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let lines = 0
    let peak = 0
    child.stdout.on('data', (b: Buffer) => {
      for (let i = b.indexOf(10); i !== -1; i = b.indexOf(10, i + 1)) lines++
    })
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
        if (m) peak = Math.max(peak, Number(m[1]) / 1024)
      } catch {
        /* exited */
      }
    }, 20)
    const kill = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearInterval(poll)
      clearTimeout(kill)
      reject(e)
    })
    child.on('close', (code) => {
      clearInterval(poll)
      clearTimeout(kill)
      resolve({ seconds: Number(process.hrtime.bigint() - t0) / 1e9, peakRssMB: peak, stdoutLines: lines, code })
    })
  })
}

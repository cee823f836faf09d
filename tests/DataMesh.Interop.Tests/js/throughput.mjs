// Throughput anchor: js-libp2p to js-libp2p over TCP + Noise + Yamux on 127.0.0.1, two processes.
// This process is the sender; it starts node.mjs as the receiver, dials it (not timed), then per run opens
// STREAMS parallel /datamesh/sink/1.0.0 streams on the one connection and sends SIZE split evenly over them
// in 64 KiB send() calls, honouring backpressure. A run is timed from the open streams to the last count
// reply (the receiver replies with the byte count after the sender half-closes).
//   node --import ./poly.mjs throughput.mjs [--size-mib 256] [--runs 1] [--streams 1]
// stdout: one JSON line {"event":"result",...} (or {"event":"error","error":..} and exit code 1).
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import { parseOptions } from './lib/options.mjs'
import { createPeer } from './lib/peer.mjs'
import { CHUNK_BYTES, SINK_PROTOCOL, runSinkClient } from './lib/streams.mjs'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const MiB = 1024 * 1024
const HARD_LIMIT_MS = 600_000

function parseArgs (argv) {
  const o = { sizeMib: 256, runs: 1, streams: 1 }
  const names = { '--size-mib': 'sizeMib', '--runs': 'runs', '--streams': 'streams' }
  for (let i = 0; i < argv.length; i += 2) {
    const key = names[argv[i]]
    const n = Number(argv[i + 1])
    if (key == null || !Number.isSafeInteger(n) || n <= 0) throw new Error(`usage: throughput.mjs [--size-mib N] [--runs N] [--streams N]; bad "${argv[i]} ${argv[i + 1]}"`)
    o[key] = n
  }
  if ((o.sizeMib * MiB) % o.streams !== 0) throw new Error('--size-mib in bytes must divide evenly by --streams')
  return o
}

// The receiver: node.mjs in a child process; resolves once it printed its ready line.
function startReceiver () {
  const child = spawn(process.execPath, ['--import', path.join(HERE, 'poly.mjs'), path.join(HERE, 'node.mjs'), '--agent', 'throughput-receiver'], {
    stdio: ['pipe', 'pipe', 'inherit']
  })
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]()
  const exited = new Promise((resolve) => child.on('exit', resolve))
  const next = async () => {
    const r = await lines.next()
    if (r.done) throw new Error('receiver closed its stdout')
    return JSON.parse(r.value)
  }
  return { child, exited, next }
}

function median (values) {
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

const limit = setTimeout(() => { console.error(`throughput.mjs: no result within ${HARD_LIMIT_MS} ms`); process.exit(3) }, HARD_LIMIT_MS)
limit.unref()

let receiver
let sender
try {
  const o = parseArgs(process.argv.slice(2))
  const size = o.sizeMib * MiB
  receiver = startReceiver()
  const ready = await receiver.next()
  sender = await createPeer(parseOptions(['--agent', 'throughput-sender'], {}))
  const target = multiaddr(ready.addrs[0])
  await sender.dial(target)
  const runs = []
  for (let r = 0; r < o.runs; r++) {
    const streams = []
    for (let s = 0; s < o.streams; s++) streams.push(await sender.dialProtocol(target, SINK_PROTOCOL))
    const t0 = performance.now()
    await Promise.all(streams.map((stream) => runSinkClient(stream, size / o.streams, AbortSignal.timeout(HARD_LIMIT_MS))))
    const ms = performance.now() - t0
    runs.push({ ms: Math.round(ms * 10) / 10, mbPerSec: Math.round(size / 1e6 / (ms / 1000) * 10) / 10 })
    console.error(`throughput.mjs: run ${r + 1}/${o.runs}: ${runs.at(-1).mbPerSec} MB/s`)
  }
  receiver.child.stdin.write(JSON.stringify({ id: 1, cmd: 'info' }) + '\n')
  const info = await receiver.next()
  console.log(JSON.stringify({
    event: 'result',
    name: 'js-libp2p stream tcp+noise+yamux',
    protocol: SINK_PROTOCOL,
    sizeBytes: size,
    chunkBytes: CHUNK_BYTES,
    streams: o.streams,
    runs,
    mbPerSecMedian: median(runs.map((r) => r.mbPerSec)),
    senderMaxRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    receiverMaxRssMiB: Math.round(info.result?.maxRssMiB ?? NaN),
    node: process.version
  }))
} catch (err) {
  console.log(JSON.stringify({ event: 'error', error: err?.message ?? String(err) }))
  process.exitCode = 1
} finally {
  await sender?.stop().catch(() => {})
  if (receiver != null) {
    receiver.child.stdin.end() // node.mjs exits when its stdin closes
    await receiver.exited
  }
}

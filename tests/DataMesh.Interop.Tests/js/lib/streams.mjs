// The DataMesh test protocols and their clients.
//   /datamesh/echo/1.0.0: the server writes back every byte it reads, and closes its write side once the
//                         remote has closed its write side and everything has been written back.
//   /datamesh/sink/1.0.0: the server counts bytes until the remote closes its write side, then writes the
//                         count as an 8-byte big-endian unsigned integer and closes.
// Both servers apply backpressure: while their own writes are pending they pause reading, which makes yamux
// withhold window updates, so a fast sender is slowed down instead of filling memory.
export const ECHO_PROTOCOL = '/datamesh/echo/1.0.0'
export const SINK_PROTOCOL = '/datamesh/sink/1.0.0'

export const CHUNK_BYTES = 64 * 1024
// yamux grows a stream's receive window up to 16 MiB; while paused the whole window may still arrive.
const READ_BUFFER_LIMIT = 32 * 1024 * 1024

// Deterministic pseudo-random bytes, addressable by offset: block k (64 KiB) is the little-endian output of
// xorshift32 seeded with ((seed + k * 0x9E3779B9) mod 2^32) | 1.
export class Pattern {
  #seed; #blockIndex = -1; #block = new Uint8Array(CHUNK_BYTES)
  constructor (seed) { this.#seed = seed >>> 0 }

  #load (k) {
    if (k === this.#blockIndex) return
    let x = ((this.#seed + Math.imul(k, 0x9E3779B9)) >>> 0) | 1
    const words = new Uint32Array(this.#block.buffer)
    for (let i = 0; i < words.length; i++) {
      x ^= x << 13; x >>>= 0
      x ^= x >>> 17
      x ^= x << 5; x >>>= 0
      words[i] = x
    }
    this.#blockIndex = k
  }

  // Copies pattern bytes [offset, offset + target.length) into target.
  fill (offset, target) {
    let done = 0
    while (done < target.length) {
      const pos = offset + done
      const k = Math.floor(pos / CHUNK_BYTES)
      const within = pos - k * CHUNK_BYTES
      this.#load(k)
      const n = Math.min(CHUNK_BYTES - within, target.length - done)
      target.set(this.#block.subarray(within, within + n), done)
      done += n
    }
    return target
  }
}

function toBytes (data) {
  return data instanceof Uint8Array ? data : data.subarray()
}

// Delivers every incoming chunk to onData until the remote closes its write side (resolves) or the stream
// is reset/aborted (rejects). onData may pause the stream; it is resumed by whoever paused it.
export function consume (stream, onData, signal) {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('end', onEnd)
      stream.removeEventListener('close', onClose)
      signal?.removeEventListener('abort', onAbort)
    }
    const fail = (err) => { cleanup(); reject(err) }
    const onMessage = (evt) => {
      try { onData(evt.data) } catch (err) { stream.abort(err); fail(err) }
    }
    const onEnd = () => {
      // 'end' also fires when the remote resets the stream; that is a failure, not an orderly close
      if (stream.status === 'reset' || stream.status === 'aborted') fail(new Error(`stream was ${stream.status} by the ${stream.status === 'reset' ? 'remote' : 'local'} side`))
      else { cleanup(); resolve() }
    }
    const onClose = (evt) => { if (evt.error != null) fail(evt.error) }
    const onAbort = () => { const err = signal.reason ?? new Error('aborted'); stream.abort(err); fail(err) }
    if (signal?.aborted) { onAbort(); return }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('end', onEnd)
    stream.addEventListener('close', onClose)
    signal?.addEventListener('abort', onAbort)
    if (stream.readableEnded) onEnd()
  })
}

// Sends data; when the stream asks for a drain, stops reading until the drain comes.
function sendWithReadBackpressure (stream, data) {
  if (stream.send(data)) return
  if (stream.readStatus !== 'readable') return
  stream.pause()
  stream.onDrain().then(
    () => { if (stream.readStatus === 'paused') stream.resume() },
    () => {} // the stream closed or reset; consume() reports that through the 'close' event
  )
}

export async function serveEcho (stream) {
  stream.maxReadBufferLength = READ_BUFFER_LIMIT
  try {
    await consume(stream, (data) => sendWithReadBackpressure(stream, data))
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

export async function serveSink (stream) {
  let count = 0n
  try {
    await consume(stream, (data) => { count += BigInt(data.byteLength) })
    const reply = new Uint8Array(8)
    new DataView(reply.buffer).setBigUint64(0, count)
    stream.send(reply)
    await stream.close()
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

// Writes `size` bytes made by chunkAt(offset, length), then closes the write side.
async function writeChunks (stream, size, chunkAt, signal) {
  for (let sent = 0; sent < size;) {
    const n = Math.min(CHUNK_BYTES, size - sent)
    const chunk = chunkAt(sent, n)
    sent += n
    if (!stream.send(chunk)) await stream.onDrain({ signal })
  }
  await stream.close({ signal })
}

function rate (bytes, ms) {
  return { bytes, ms: Math.round(ms * 1000) / 1000, mbPerSec: Math.round((bytes / 1e6) / (ms / 1000) * 100) / 100 }
}

// Opens an echo stream on `stream` (already negotiated), sends `size` pattern bytes, reads them back and
// checks them byte for byte. Timing starts after the stream is open.
export async function runEchoClient (stream, size, seed, signal) {
  stream.maxReadBufferLength = READ_BUFFER_LIMIT
  const expected = new Pattern(seed)
  let received = 0
  const t0 = performance.now()
  const reading = consume(stream, (data) => {
    const got = toBytes(data)
    if (received + got.length > size) throw new Error(`echo returned more than the ${size} bytes sent`)
    const want = expected.fill(received, Buffer.allocUnsafe(got.length))
    if (!want.equals(got)) {
      const i = want.findIndex((b, j) => b !== got[j])
      throw new Error(`echo mismatch at byte ${received + i}: sent ${want[i]}, got ${got[i]}`)
    }
    received += got.length
  }, signal)
  // a write failure must not leave the read promise unobserved
  const source = new Pattern(seed)
  // send() keeps a reference to the buffer until it is written, so every chunk is a fresh array
  const chunkAt = (offset, n) => source.fill(offset, new Uint8Array(n))
  await Promise.all([writeChunks(stream, size, chunkAt, signal).catch((err) => { stream.abort(err); throw err }), reading])
  const ms = performance.now() - t0
  if (received !== size) throw new Error(`echo returned ${received} of ${size} bytes before closing`)
  return rate(size, ms)
}

// Sends `size` bytes to a sink and checks the count it reports. The content does not matter to a sink, so
// one immutable pattern chunk is sent over and over (no per-chunk cost on the sender, as in the anchors).
export async function runSinkClient (stream, size, signal) {
  const block = new Pattern(1).fill(0, new Uint8Array(CHUNK_BYTES))
  const chunkAt = (offset, n) => n === CHUNK_BYTES ? block : block.subarray(0, n)
  const reply = []
  const t0 = performance.now()
  const reading = consume(stream, (data) => { reply.push(toBytes(data).slice()) }, signal)
  await Promise.all([writeChunks(stream, size, chunkAt, signal).catch((err) => { stream.abort(err); throw err }), reading])
  const ms = performance.now() - t0
  const bytes = Buffer.concat(reply)
  if (bytes.length !== 8) throw new Error(`sink replied with ${bytes.length} bytes, expected an 8-byte count`)
  const counted = bytes.readBigUInt64BE(0)
  if (counted !== BigInt(size)) throw new Error(`sink counted ${counted} bytes, ${size} were sent`)
  return rate(size, ms)
}

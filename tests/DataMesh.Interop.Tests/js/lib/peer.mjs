// Builds the js-libp2p node the interop tests talk to: TCP + Noise + Yamux, identify, ping,
// the DataMesh test protocols, and optionally kad-dht in server mode.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair, privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { ECHO_PROTOCOL, SINK_PROTOCOL, serveEcho, serveSink } from './streams.mjs'

// All test peers share 127.0.0.1; libp2p's default of 5 inbound connections per second per host
// makes bursts of dials fail with ECONNRESET.
const CONNECTION_MANAGER = Object.freeze({ inboundConnectionThreshold: 10_000, maxIncomingPendingConnections: 100 })

async function loadKey (opts) {
  if (opts.privateKey !== '') return privateKeyFromProtobuf(Buffer.from(opts.privateKey, 'base64'))
  return generateKeyPair(opts.keyType === 'secp256k1' ? 'secp256k1' : 'Ed25519')
}

function dhtService (opts) {
  return kadDHT({
    protocol: opts.kadProtocol,
    clientMode: false, // answer queries from the start: a loopback test network has no public address
    peerInfoMapper: passthroughMapper, // the default mapper drops private (127.0.0.1) addresses
    // kad-dht rejects records whose key namespace (second "/" segment) has no validator; the test
    // namespace accepts any value and, given several, takes the first.
    validators: { [opts.kadNamespace]: async () => {} },
    selectors: { [opts.kadNamespace]: () => 0 }
  })
}

export async function createPeer (opts) {
  const services = { identify: identify(), ping: ping() }
  if (opts.kad) services.dht = dhtService(opts)
  const node = await createLibp2p({
    privateKey: await loadKey(opts),
    addresses: { listen: [opts.listen] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    nodeInfo: { userAgent: opts.agent },
    connectionManager: CONNECTION_MANAGER,
    services
  })
  await node.handle(ECHO_PROTOCOL, serveEcho, { maxInboundStreams: 64 })
  await node.handle(SINK_PROTOCOL, serveSink, { maxInboundStreams: 64 })
  return node
}

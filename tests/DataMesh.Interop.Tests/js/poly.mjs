// Node 20 lacks Promise.withResolvers, which js-libp2p 3.x uses. Load before anything else:
//   node --import ./poly.mjs node.mjs ...
if (!Promise.withResolvers) {
  Promise.withResolvers = function () {
    let resolve, reject
    const promise = new Promise((a, b) => { resolve = a; reject = b })
    return { promise, resolve, reject }
  }
}

using System.Security.Cryptography;
using DataMesh.Libp2p.Identity;

namespace DataMesh.Libp2p.Tests.TestSupport;

/// <summary>A secp256k1 key pair for tests, signing the libp2p way (DER ECDSA over SHA-256).</summary>
internal sealed class Secp256k1Signer : IDisposable
{
    private readonly ECDsa _ecdsa;

    public Secp256k1Signer(ECDsa? ecdsa = null)
    {
        _ecdsa = ecdsa ?? ECDsa.Create(ECCurve.CreateFromFriendlyName("secp256k1"));
        var q = _ecdsa.ExportParameters(includePrivateParameters: false).Q;
        var compressed = new byte[33];
        compressed[0] = (byte)((q.Y![^1] & 1) == 0 ? 0x02 : 0x03);
        q.X!.CopyTo(compressed, 1);
        PublicKey = new Secp256k1PublicKey(compressed);
    }

    public Secp256k1PublicKey PublicKey { get; }

    public byte[] Sign(ReadOnlySpan<byte> data) =>
        _ecdsa.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    public void Dispose() => _ecdsa.Dispose();
}

using System.Numerics;
using System.Security.Cryptography;

namespace DataMesh.Libp2p.Identity;

/// <summary>
/// A secp256k1 public key in the 33-byte compressed SEC1 form. Signatures are DER-encoded ECDSA over SHA-256 of the
/// message (peer-ids spec), verified with the platform ECDSA (OpenSSL provides the curve on Linux).
/// </summary>
internal sealed class Secp256k1PublicKey : PublicKey
{
    public const int CompressedKeySize = 33;

    /// <summary>The field prime p = 2^256 - 2^32 - 977.</summary>
    private static readonly BigInteger FieldPrime = BigInteger.Parse(
        "0FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F", System.Globalization.NumberStyles.HexNumber,
        System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Lazy<ECCurve?> Curve = new(LoadCurve);

    private readonly byte[] _raw;
    private readonly ECParameters _parameters;

    /// <exception cref="InvalidKeyException">Not a compressed point on the curve.</exception>
    /// <exception cref="UnsupportedKeyTypeException">The platform's crypto library lacks secp256k1.</exception>
    public Secp256k1PublicKey(ReadOnlySpan<byte> compressed)
    {
        if (compressed.Length != CompressedKeySize || (compressed[0] != 0x02 && compressed[0] != 0x03))
        {
            throw new InvalidKeyException($"A secp256k1 public key must be {CompressedKeySize} bytes in compressed form (0x02/0x03 prefix).");
        }
        var curve = Curve.Value ?? throw new UnsupportedKeyTypeException("secp256k1 keys are not supported: the platform crypto library does not provide the secp256k1 curve.");
        _raw = compressed.ToArray();
        var x = compressed[1..];
        var y = Decompress(x, oddY: compressed[0] == 0x03);
        _parameters = new ECParameters { Curve = curve, Q = new ECPoint { X = x.ToArray(), Y = y } };
        try
        {
            _parameters.Validate();
            using var probe = ECDsa.Create(_parameters);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidKeyException("Invalid secp256k1 public key: the point is not on the curve.", ex);
        }
    }

    public override KeyType Type => KeyType.Secp256k1;

    public override ReadOnlyMemory<byte> Raw => _raw;

    public override bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        // ECDsa instances are not documented as thread-safe, and secp256k1 peers are rare: one per verification.
        using var ecdsa = ECDsa.Create(_parameters);
        try
        {
            return ecdsa.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>Recovers y from x: y² = x³ + 7 (mod p); p ≡ 3 (mod 4), so a root is (x³ + 7)^((p + 1) / 4).</summary>
    private static byte[] Decompress(ReadOnlySpan<byte> xBytes, bool oddY)
    {
        var x = new BigInteger(xBytes, isUnsigned: true, isBigEndian: true);
        if (x >= FieldPrime)
        {
            throw new InvalidKeyException("Invalid secp256k1 public key: x coordinate out of range.");
        }
        var rhs = (BigInteger.ModPow(x, 3, FieldPrime) + 7) % FieldPrime;
        var y = BigInteger.ModPow(rhs, (FieldPrime + 1) / 4, FieldPrime);
        if (BigInteger.ModPow(y, 2, FieldPrime) != rhs)
        {
            throw new InvalidKeyException("Invalid secp256k1 public key: x is not on the curve.");
        }
        if (y.IsEven == oddY)
        {
            y = FieldPrime - y;
        }
        var result = new byte[32];
        y.TryWriteBytes(result.AsSpan(32 - y.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }

    private static ECCurve? LoadCurve()
    {
        try
        {
            var curve = ECCurve.CreateFromValue("1.3.132.0.10");
            using var probe = ECDsa.Create(curve);
            return curve;
        }
        catch (Exception ex) when (ex is CryptographicException or PlatformNotSupportedException)
        {
            return null;
        }
    }
}

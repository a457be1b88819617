using AudioOrchestrator.Mls.Codec;

namespace AudioOrchestrator.Mls.Tests;

public sealed class CodecTests
{
    [Fact]
    public void DeserializationVectors()
    {
        var cases = TestVectors.Load("deserialization.json");
        foreach (var c in cases)
        {
            var header = c.Hex("vlbytes_header");
            var reader = new TlsReader(header);
            Assert.Equal(c.GetProperty("length").GetInt32(), reader.ReadVarInt());
            Assert.True(reader.IsAtEnd);
            var writer = new TlsWriter();
            writer.WriteVarInt(c.GetProperty("length").GetInt32());
            Assert.Equal(header, writer.ToArray());
        }

        Assert.Equal(14, cases.Count);
    }

    [Theory]
    [InlineData("4000")]
    [InlineData("403f")]
    [InlineData("80000000")]
    [InlineData("80003fff")]
    [InlineData("c0")]
    [InlineData("ff000000")]
    public void RejectsNonMinimalOrInvalidVarInt(string hex)
    {
        var reader = new TlsReader(Convert.FromHexString(hex));
        Assert.Throws<MlsDecodeException>(() => reader.ReadVarInt());
    }

    [Theory]
    [InlineData("")]
    [InlineData("40")]
    [InlineData("8000")]
    [InlineData("0301")]
    public void TruncationThrowsDecodeException(string hex)
    {
        var reader = new TlsReader(Convert.FromHexString(hex));
        Assert.Throws<MlsDecodeException>(() => reader.ReadOpaque());
    }

    [Fact]
    public void IntegersAreBigEndianAndRoundTrip()
    {
        var w = new TlsWriter();
        w.WriteUInt8(1);
        w.WriteUInt16(0x0203);
        w.WriteUInt32(0x04050607);
        w.WriteUInt64(0x08090a0b0c0d0e0f);
        w.WriteOpaque(new byte[70]);
        w.WriteOptional<byte[]>(null, (x, v) => x.WriteOpaque(v));
        w.WriteOptional(new byte[] { 9 }, (x, v) => x.WriteOpaque(v));
        var bytes = w.ToArray();
        Assert.Equal("0102030405060708090a0b0c0d0e0f4046", bytes.AsSpan(0, 17).ToArray().ToHex());
        var r = new TlsReader(bytes);
        Assert.Equal(1, r.ReadUInt8());
        Assert.Equal(0x0203, r.ReadUInt16());
        Assert.Equal(0x04050607u, r.ReadUInt32());
        Assert.Equal(0x08090a0b0c0d0e0fUL, r.ReadUInt64());
        Assert.Equal(70, r.ReadOpaque().Length);
        Assert.Null(r.ReadOptional(x => x.ReadOpaque()));
        Assert.Equal(new byte[] { 9 }, r.ReadOptional(x => x.ReadOpaque()));
        r.EnsureEnd();
    }

    [Fact]
    public void TrailingBytesAreRejected()
    {
        Assert.Throws<MlsDecodeException>(() => TlsCodec.Deserialize(new byte[] { 1, 5, 0 }, r => r.ReadOpaque()));
    }

    [Fact]
    public void VectorOfVectorsRoundTrips()
    {
        var items = Enumerable.Range(0, 100).Select(i => new byte[i * 3]).ToList();
        var bytes = TlsCodec.Serialize(w => w.WriteVector(items, (x, v) => x.WriteOpaque(v)));
        var back = TlsCodec.Deserialize(bytes, r => r.ReadVector(x => x.ReadOpaque()));
        Assert.Equal(items.Select(i => i.Length), back.Select(i => i.Length));
    }

    [Fact]
    public void RandomInputsOnlyThrowDecodeException()
    {
        var rng = new Random(1234);
        for (var i = 0; i < 4000; i++)
        {
            var bytes = new byte[rng.Next(0, 64)];
            rng.NextBytes(bytes);
            FuzzOne(bytes);
        }
    }

    internal static void FuzzOne(byte[] bytes)
    {
        try
        {
            TlsCodec.Deserialize(bytes, r =>
            {
                var a = r.ReadVector(x => x.ReadOptional(y => y.ReadOpaque()));
                var b = r.ReadUInt16();
                var c = r.ReadVector(x => x.ReadUInt32());
                return (a, b, c);
            });
        }
        catch (MlsDecodeException)
        {
        }
    }
}

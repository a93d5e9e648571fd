namespace Peft.IO.Tests.Safetensors;

public sealed class SafetensorsConversionTests
{
    [Theory]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    [InlineData(SafetensorsDType.F32)]
    [InlineData(SafetensorsDType.F64)]
    public void RepresentableValuesRoundTripExactly(SafetensorsDType dtype)
    {
        // Small dyadic values are exact in every float format.
        float[] values = [0f, -0f, 1f, -2.5f, 0.375f, 96f, float.PositiveInfinity, float.NegativeInfinity];
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize([SafetensorsTensor.FromValues<float>("v", new long[] { values.Length }, values, dtype)]));
        float[] back = read.ReadValues<float>("v");
        Assert.Equal(values, back);
        Assert.True(float.IsNegative(back[1]));
        Assert.Equal(values.Select(v => (double)v), read.ReadValues<double>("v"));
    }

    [Fact]
    public void KnownBitPatternsDecode()
    {
        // F16 0x3C00 = 1, 0xC000 = -2, 0x7BFF = 65504; BF16 0x3F80 = 1, 0x4049 = 3.140625.
        byte[] f16 = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B];
        byte[] bf16 = [0x80, 0x3F, 0x49, 0x40];
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize([
            SafetensorsTensor.FromBytes("h", SafetensorsDType.F16, [3], f16),
            SafetensorsTensor.FromBytes("b", SafetensorsDType.BF16, [2], bf16),
        ]));
        Assert.Equal([1f, -2f, 65504f], read.ReadValues<float>("h"));
        Assert.Equal([1.0, -2.0, 65504.0], read.ReadValues<double>("h"));
        Assert.Equal([1f, 3.140625f], read.ReadValues<float>("b"));
    }

    [Fact]
    public void BFloat16RoundsToNearestEven()
    {
        // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even mantissa (1).
        Assert.Equal((ushort)0x3F80, SafetensorsElementConverter.ToBFloat16(1f + MathF.Pow(2, -8)));
        // 1 + 3·2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        Assert.Equal((ushort)0x3F82, SafetensorsElementConverter.ToBFloat16(1f + 3 * MathF.Pow(2, -8)));
        // Just above the halfway point rounds up.
        Assert.Equal((ushort)0x3F81, SafetensorsElementConverter.ToBFloat16(BitConverter.UInt32BitsToSingle(0x3F808001)));
        Assert.True(float.IsNaN(SafetensorsElementConverter.FromBFloat16(SafetensorsElementConverter.ToBFloat16(float.NaN))));
    }

    [Fact]
    public void VectorizedBFloat16DecodeMatchesTheScalarDefinition()
    {
        var random = new Random(5);
        var bits = new ushort[1003]; // not a multiple of the vector width: the scalar tail runs too
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (ushort)random.Next(65536);
        }

        var decoded = new float[bits.Length];
        SafetensorsElementConverter.DecodeBFloat16(bits, decoded);
        for (int i = 0; i < bits.Length; i++)
        {
            Assert.Equal((uint)bits[i] << 16, BitConverter.SingleToUInt32Bits(decoded[i]));
        }
    }

    [Fact]
    public void DoubleToHalfRoundsOnce()
    {
        double value = 1.0 + Math.Pow(2, -11) + Math.Pow(2, -40); // just above a half-way point of F16
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize([SafetensorsTensor.FromValues<double>("v", new long[] { 1 }, [value], SafetensorsDType.F16)]));
        Assert.Equal(1.0 + Math.Pow(2, -10), read.ReadValues<double>("v")[0]);
    }

    [Fact]
    public void IntegerTensorsDoNotConvert()
    {
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize([SafetensorsTensor.FromBytes("i", SafetensorsDType.I32, [1], new byte[4])]));
        var error = Assert.Throws<NotSupportedException>(() => read.ReadValues<float>("i"));
        Assert.Contains("I32", error.Message);
    }
}

namespace Peft.IO.Tests.Safetensors;

/// <summary>Each malformed file gets an <see cref="InvalidDataException"/> naming the problem, the tensor and the offset.</summary>
public sealed class SafetensorsHostileInputTests
{
    private const string Valid = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}";

    [Fact]
    public void TheValidBaselineParses()
    {
        using var file = SafetensorsFile.Read(RawSafetensors.Build(Valid, 11));
        Assert.Equal(2, file.Tensors.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    public void ShorterThanThePrefix(int length)
    {
        var error = RawSafetensors.Reject(new byte[length]);
        Assert.Contains("shorter than the 8-byte header length prefix", error.Message);
        Assert.Contains("file offset 0", error.Message);
    }

    [Fact]
    public void TruncatedData()
    {
        byte[] bytes = RawSafetensors.Build(Valid, 11);
        var error = RawSafetensors.Reject(bytes[..^2]);
        Assert.Contains("tensor 'b'", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void TruncatedHeader()
    {
        byte[] bytes = RawSafetensors.Build(Valid, 11);
        var error = RawSafetensors.Reject(bytes[..40]);
        Assert.Contains("runs past the end of the 40-byte file", error.Message);
    }

    [Fact]
    public void HeaderLengthLargerThanTheFile()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build(Valid, 11, headerLengthOverride: 1_000_000));
        Assert.Contains("header length 1000000 runs past the end", error.Message);
    }

    [Theory]
    [InlineData(100_000_001UL)]
    [InlineData(ulong.MaxValue)]
    public void HeaderLengthOverTheLimit(ulong length)
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build(Valid, 11, headerLengthOverride: length));
        Assert.Contains($"header length {length} exceeds the limit of 100000000 bytes", error.Message);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",", "not valid JSON")]
    [InlineData("[1,2,3]", "not a JSON object")]
    [InlineData("{} {}", "not valid JSON")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},}", "not valid JSON")]
    [InlineData("{\"a\":5}", "tensor 'a' entry is Number")]
    [InlineData("{\"__metadata__\":{\"k\":1}}", "value of 'k' is Number, expected a string")]
    [InlineData("{\"__metadata__\":[]}", "'__metadata__' must be an object")]
    public void InvalidJson(string json, string expected)
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build(json, 0));
        Assert.Contains(expected, error.Message);
        Assert.Contains("file offset", error.Message);
    }

    [Fact]
    public void InvalidUtf8()
    {
        byte[] bytes = RawSafetensors.Build("{\"ab\":{}}", 0);
        bytes[8 + 3] = 0xFF;
        var error = RawSafetensors.Reject(bytes);
        Assert.Contains("not valid UTF-8 (file offset 11)", error.Message);
    }

    [Fact]
    public void UnknownDType()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"w\":{\"dtype\":\"F128\",\"shape\":[1],\"data_offsets\":[0,16]}}", 16));
        Assert.Contains("tensor 'w' has unknown dtype 'F128'", error.Message);
        Assert.Contains("file offset 22", error.Message);
    }

    [Theory]
    [InlineData("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", "tensor 'w' has no 'dtype'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", "tensor 'w' has no 'shape'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", "tensor 'w' has no 'data_offsets'")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", "tensor 'w' shape[0] is not an integer")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", "tensor 'w' shape[0] is not an integer")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", "data_offsets has 3 entries")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,99999999999999999999]}}", "data_offsets[1] is not an integer")]
    [InlineData("{\"w\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,4]}}", "dtype is Number")]
    public void MalformedTensorEntries(string json, string expected)
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build(json, 4));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void OverlappingOffsets()
    {
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        var error = RawSafetensors.Reject(RawSafetensors.Build(json, 8));
        Assert.Contains("tensor 'b' data_offsets [4, 8] overlap tensor 'a'", error.Message);
        Assert.Contains("file offset", error.Message);
    }

    [Fact]
    public void HoleBetweenTensors()
    {
        const string json = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        byte[] bytes = RawSafetensors.Build(json, 12);
        var error = RawSafetensors.Reject(bytes);
        Assert.Contains("hole of 4 bytes before tensor 'b'", error.Message);
        long dataStart = bytes.Length - 12;
        Assert.Contains($"file offset {dataStart + 4}", error.Message);
    }

    [Fact]
    public void DataNotStartingAtZero()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8));
        Assert.Contains("after the start of the data section", error.Message);
    }

    [Fact]
    public void OffsetsOutOfRange()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000],\"data_offsets\":[0,4000000]}}", 8));
        Assert.Contains("tensor 'a' data_offsets [0, 4000000] run past the end of the 8-byte data section", error.Message);
    }

    [Fact]
    public void EndBeforeBegin()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]},\"b\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[4,2]}}", 4));
        Assert.Contains("tensor 'b' data_offsets [4, 2] end before they begin", error.Message);
    }

    [Fact]
    public void ByteLengthDoesNotMatchShape()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8));
        Assert.Contains("tensor 'a' F32 [3] needs 12 bytes but data_offsets [0, 8] span 8", error.Message);
    }

    [Fact]
    public void TrailingBytesAfterTheLastTensor()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 9));
        Assert.Contains("tensors cover 4 bytes but the data section has 9", error.Message);
    }

    [Theory]
    [InlineData("[4294967296,4294967296]", "element count exceeds 2^63")]
    [InlineData("[4611686018427387904]", "byte size exceeds 2^63 bits")]
    public void OverflowingShapes(string shape, string expected)
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"big\":{\"dtype\":\"F64\",\"shape\":" + shape + ",\"data_offsets\":[0,8]}}", 8));
        Assert.Contains("tensor 'big'", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void PartialBytes()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"q\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}", 2));
        Assert.Contains("tensor 'q' F4 [3] is 12 bits, not a whole number of bytes", error.Message);
    }

    [Fact]
    public void DuplicateTensorNames()
    {
        const string json = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        var error = RawSafetensors.Reject(RawSafetensors.Build(json, 2));
        Assert.Contains("duplicate tensor name 'a'", error.Message);
        Assert.Contains("file offset 61", error.Message);
    }

    [Fact]
    public void DuplicateMetadata()
    {
        var error = RawSafetensors.Reject(RawSafetensors.Build("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", 0));
        Assert.Contains("duplicate '__metadata__' key 'k'", error.Message);
    }

    [Fact]
    public void HugeClaimedShapeAllocatesNothing()
    {
        // A lying header claiming ~2^62 bytes is rejected from the header alone.
        long before = GC.GetAllocatedBytesForCurrentThread();
        RawSafetensors.Reject(RawSafetensors.Build("{\"x\":{\"dtype\":\"U8\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4611686018427387904]}}", 16));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
    }

    [Fact]
    public void MappedFileErrorsNameThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"peft-io-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, RawSafetensors.Build(Valid, 11)[..^1]);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
            Assert.StartsWith(path + ":", error.Message);
            File.WriteAllBytes(path, []);
            Assert.Contains("file is 0 bytes", Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path)).Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

namespace Peft.IO.Tests.Safetensors;

public sealed class SafetensorsRoundTripTests
{
    public static TheoryData<SafetensorsDType> AllDTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (var dtype in SafetensorsDTypes.Values)
        {
            data.Add(dtype);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeRoundTripsBitIdentical(SafetensorsDType dtype)
    {
        var random = new Random((int)dtype + 1);
        // F4 packs two elements per byte and F6 four per three bytes: shapes keep whole bytes.
        long[][] shapes = [[8], [2, 4], [], [0], [4, 0, 3]];
        var tensors = new List<SafetensorsTensor>();
        foreach (var shape in shapes)
        {
            long elements = shape.Aggregate(1L, (a, b) => a * b);
            if (elements * dtype.BitSize() % 8 != 0)
            {
                continue;
            }

            var bytes = new byte[elements * dtype.BitSize() / 8];
            random.NextBytes(bytes);
            tensors.Add(SafetensorsTensor.FromBytes($"t{tensors.Count}", dtype, shape, bytes));
        }

        byte[] file = SafetensorsWriter.Serialize(tensors, new Dictionary<string, string> { ["format"] = "pt" });
        using var read = SafetensorsFile.Read(file);
        Assert.Equal(tensors.Count, read.Tensors.Count);
        foreach (var tensor in tensors)
        {
            var info = read.GetTensor(tensor.Name);
            Assert.Equal(dtype, info.DType);
            Assert.Equal(tensor.Shape.ToArray(), info.Shape.ToArray());
            Assert.True(tensor.Data.Span.SequenceEqual(read.GetBytes(info)));
        }

        Assert.Equal("pt", read.Metadata["format"]);

        // Writing what was read gives the same file, byte for byte.
        var again = read.Tensors.Select(t => SafetensorsTensor.FromBytes(t.Name, t.DType, t.Shape, read.GetBytes(t).ToArray()));
        Assert.Equal(file, SafetensorsWriter.Serialize(again, read.Metadata));
    }

    [Fact]
    public void ScalarAndEmptyTensorsKeepTheirShapes()
    {
        var scalar = SafetensorsTensor.FromValues<float>("scalar", Array.Empty<long>(), [2.5f]);
        var empty = SafetensorsTensor.FromValues<float>("empty", new long[] { 3, 0 }, ReadOnlySpan<float>.Empty);
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize([scalar, empty]));
        Assert.Empty(read.GetTensor("scalar").Shape.ToArray());
        Assert.Equal(1, read.GetTensor("scalar").ElementCount);
        Assert.Equal([2.5f], read.ReadValues<float>("scalar"));
        Assert.Equal(0, read.GetTensor("empty").ByteLength);
        Assert.Empty(read.ReadValues<float>("empty"));
    }

    [Fact]
    public void MemoryMappedFileReadsTheSameAsBytes()
    {
        var values = Enumerable.Range(0, 1000).Select(i => MathF.Sin(i)).ToArray();
        var tensors = new[]
        {
            SafetensorsTensor.FromValues<float>("a", new long[] { 10, 100 }, values, SafetensorsDType.BF16),
            SafetensorsTensor.FromValues<float>("b", new long[] { 1000 }, values, SafetensorsDType.F64),
        };
        string path = Path.Combine(Path.GetTempPath(), $"peft-io-{Guid.NewGuid():N}.safetensors");
        try
        {
            SafetensorsWriter.WriteFile(path, tensors);
            byte[] bytes = File.ReadAllBytes(path);
            using var mapped = SafetensorsFile.Open(path);
            using var inMemory = SafetensorsFile.Read(bytes);
            using var fromStream = SafetensorsFile.Read(new MemoryStream(bytes));
            foreach (var name in new[] { "a", "b" })
            {
                Assert.True(mapped.GetBytes(name).SequenceEqual(inMemory.GetBytes(name)));
                Assert.Equal(inMemory.ReadValues<double>(name), mapped.ReadValues<double>(name));
                Assert.Equal(inMemory.ReadValues<float>(name), fromStream.ReadValues<float>(name));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }
}

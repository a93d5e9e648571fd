using System.Buffers.Binary;
using System.Text;

namespace Peft.IO.Tests.Safetensors;

/// <summary>The writer's layout: the byte vectors of the reference implementation's own tests, ordering, padding.</summary>
public sealed class SafetensorsLayoutTests
{
    [Fact]
    public void EmptyFileIsBracesPaddedToEight()
    {
        byte[] file = SafetensorsWriter.Serialize([]);
        Assert.Equal(new byte[] { 8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32 }, file);
    }

    [Fact]
    public void MetadataOnlyFileMatchesReference()
    {
        byte[] file = SafetensorsWriter.Serialize([], new Dictionary<string, string> { ["framework"] = "pt" });
        Assert.Equal(40UL, BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal("{\"__metadata__\":{\"framework\":\"pt\"}}     ", Encoding.UTF8.GetString(file, 8, 40));
    }

    [Fact]
    public void SingleTensorMatchesReferenceBytes()
    {
        float[] values = [0, 1, 2, 3, 4, 5];
        byte[] file = SafetensorsWriter.Serialize([SafetensorsTensor.FromValues<float>("attn0", new long[] { 1, 1, 2, 3 }, values)]);
        const string json = "{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}";
        Assert.Equal(65, json.Length);
        Assert.Equal(72UL, BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal(json + new string(' ', 7), Encoding.UTF8.GetString(file, 8, 72));
        Assert.Equal(8 + 72 + 24, file.Length);
        Assert.Equal(1f, BitConverter.ToSingle(file, 80 + 4));
    }

    [Fact]
    public void TensorsAreOrderedByAlignmentThenNameAndAligned()
    {
        var tensors = new[]
        {
            Bytes("z8", SafetensorsDType.U8, 3),
            Bytes("b64", SafetensorsDType.F64, 1),
            Bytes("a16", SafetensorsDType.BF16, 1),
            Bytes("a64", SafetensorsDType.I64, 2),
            Bytes("c32", SafetensorsDType.F32, 5),
            Bytes("a8", SafetensorsDType.BOOL, 1),
            Bytes("u64", SafetensorsDType.U64, 1),
            Bytes("b16", SafetensorsDType.F16, 3),
        };
        using var read = SafetensorsFile.Read(SafetensorsWriter.Serialize(tensors));
        Assert.Equal(["u64", "a64", "b64", "c32", "a16", "b16", "z8", "a8"], read.Tensors.Select(t => t.Name));
        Assert.Equal(0, read.DataStart % 8);
        long position = 0;
        foreach (var tensor in read.Tensors)
        {
            Assert.Equal(position, tensor.DataBegin);
            position = tensor.DataEnd;
            Assert.Equal(0, (read.DataStart + tensor.DataBegin) % Math.Max(1, tensor.DType.BitSize() / 8));
        }
    }

    [Fact]
    public void HeaderOrderDoesNotMatterOnRead()
    {
        const string json = "{\"b\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}";
        using var read = SafetensorsFile.Read(RawSafetensors.Build(json, 6));
        Assert.Equal(["a", "b"], read.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void DuplicateNamesAreRejectedByTheWriter()
    {
        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Serialize([Bytes("x", SafetensorsDType.U8, 1), Bytes("x", SafetensorsDType.F32, 1)]));
        Assert.Contains("'x'", error.Message);
    }

    [Fact]
    public void AtomicWriteFailureKeepsTheOldFile()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"peft-io-{Guid.NewGuid():N}");
        string path = Path.Combine(folder, "model.safetensors");
        try
        {
            SafetensorsWriter.WriteFile(path, [Bytes("old", SafetensorsDType.U8, 4)]);
            byte[] before = File.ReadAllBytes(path);
            Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, stream =>
            {
                stream.Write(new byte[100]);
                throw new InvalidOperationException("disk full");
            }));
            Assert.Equal(before, File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(folder));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static SafetensorsTensor Bytes(string name, SafetensorsDType dtype, long elements) =>
        SafetensorsTensor.FromBytes(name, dtype, [elements], new byte[elements * dtype.BitSize() / 8]);
}

using System.Buffers.Binary;
using System.Text;

namespace Peft.IO.Tests.Safetensors;

/// <summary>Builds safetensors bytes by hand (any header text, any length prefix) for hostile-input tests.</summary>
internal static class RawSafetensors
{
    public static byte[] Build(string headerJson, int dataLength, ulong? headerLengthOverride = null)
    {
        byte[] header = Encoding.UTF8.GetBytes(headerJson);
        var bytes = new byte[8 + header.Length + dataLength];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLengthOverride ?? (ulong)header.Length);
        header.CopyTo(bytes, 8);
        for (int i = 0; i < dataLength; i++)
        {
            bytes[8 + header.Length + i] = (byte)(i * 37 + 11);
        }

        return bytes;
    }

    public static InvalidDataException Reject(byte[] bytes) =>
        Assert.Throws<InvalidDataException>(() => SafetensorsFile.Read(bytes, "test.safetensors"));
}

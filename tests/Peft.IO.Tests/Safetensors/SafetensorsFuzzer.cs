using System.Buffers.Binary;
using System.Text;

namespace Peft.IO.Tests.Safetensors;

/// <summary>Deterministic mutation fuzzer over a few valid seed files.</summary>
internal static class SafetensorsFuzzer
{
    public readonly record struct Outcome(int Accepted, int Rejected);

    public static Outcome Run(int cases, int seed)
    {
        var random = new Random(seed);
        byte[][] seeds = Seeds();
        int accepted = 0;
        int rejected = 0;
        for (int i = 0; i < cases; i++)
        {
            byte[] bytes = Mutate(seeds[random.Next(seeds.Length)], random);
            try
            {
                using var file = SafetensorsFile.Read(bytes, "fuzz");
                Touch(file);
                accepted++;
            }
            catch (InvalidDataException)
            {
                rejected++;
            }
            catch (Exception exception)
            {
                throw new InvalidOperationException(
                    $"Case {i} (seed {seed}) crashed the reader with {exception.GetType().Name}; input: {Convert.ToBase64String(bytes)}", exception);
            }
        }

        return new Outcome(accepted, rejected);
    }

    private static void Touch(SafetensorsFile file)
    {
        foreach (var tensor in file.Tensors)
        {
            var bytes = file.GetBytes(tensor);
            if (bytes.Length != tensor.ByteLength)
            {
                throw new InvalidOperationException($"Tensor '{tensor.Name}' spans {bytes.Length} bytes, header says {tensor.ByteLength}.");
            }

            if (tensor.DType.IsConvertibleFloat())
            {
                _ = file.ReadValues<double>(tensor.Name);
            }
        }

        _ = file.Metadata.Count;
    }

    private static byte[][] Seeds()
    {
        var random = new Random(1);
        byte[] Payload(int n)
        {
            var bytes = new byte[n];
            random.NextBytes(bytes);
            return bytes;
        }

        return
        [
            SafetensorsWriter.Serialize(
                [
                    SafetensorsTensor.FromBytes("base_model.model.fc.lora_A.weight", SafetensorsDType.F32, [2, 3], Payload(24)),
                    SafetensorsTensor.FromBytes("base_model.model.fc.lora_B.weight", SafetensorsDType.BF16, [4, 2], Payload(16)),
                    SafetensorsTensor.FromBytes("scalar", SafetensorsDType.F64, [], Payload(8)),
                    SafetensorsTensor.FromBytes("empty", SafetensorsDType.F16, [0, 5], Payload(0)),
                ],
                new Dictionary<string, string> { ["format"] = "pt" }),
            SafetensorsWriter.Serialize(
                [
                    SafetensorsTensor.FromBytes("q", SafetensorsDType.F4, [4], Payload(2)),
                    SafetensorsTensor.FromBytes("i", SafetensorsDType.I64, [1, 1], Payload(8)),
                    SafetensorsTensor.FromBytes("b", SafetensorsDType.BOOL, [3], Payload(3)),
                ]),
            RawSafetensors.Build("{\"x\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 4),
        ];
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        byte[] bytes = (byte[])original.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        switch (random.Next(9))
        {
            case 0: // flip bits anywhere
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                }

                return bytes;
            case 1: // random byte in the header
                bytes[8 + random.Next(headerLength)] = (byte)random.Next(256);
                return bytes;
            case 2: // truncate
                return bytes[..random.Next(bytes.Length)];
            case 3: // append garbage
                return [.. bytes, .. Enumerable.Range(0, random.Next(1, 16)).Select(_ => (byte)random.Next(256))];
            case 4: // lie about the header length
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, random.Next(3) switch
                {
                    0 => (ulong)random.Next(0, headerLength + 16),
                    1 => (ulong)random.NextInt64(),
                    _ => ulong.MaxValue - (ulong)random.Next(100),
                });
                return bytes;
            case 5: // change a digit in the header (shapes and offsets)
            {
                var digits = Enumerable.Range(8, headerLength).Where(i => bytes[i] is >= (byte)'0' and <= (byte)'9').ToArray();
                if (digits.Length > 0)
                {
                    bytes[digits[random.Next(digits.Length)]] = (byte)('0' + random.Next(10));
                }

                return bytes;
            }
            case 6: // splice a hostile token into the header, keeping the length field honest
            {
                string[] tokens = ["99999999999999999999", "-1", "1e3", "\"F128\"", "null", "{}", "[]", "\"__metadata__\"", "\\u0000", ",", "}", "18446744073709551615", "4294967296"];
                int at = 8 + random.Next(headerLength);
                byte[] token = Encoding.UTF8.GetBytes(tokens[random.Next(tokens.Length)]);
                int remove = random.Next(0, Math.Min(4, 8 + headerLength - at));
                byte[] spliced = [.. bytes[..at], .. token, .. bytes[(at + remove)..]];
                BinaryPrimitives.WriteUInt64LittleEndian(spliced, (ulong)(headerLength + token.Length - remove));
                return spliced;
            }
            case 7: // swap two header bytes
            {
                int a = 8 + random.Next(headerLength);
                int b = 8 + random.Next(headerLength);
                (bytes[a], bytes[b]) = (bytes[b], bytes[a]);
                return bytes;
            }
            default: // mutate only the data: always structurally valid
                if (bytes.Length > 8 + headerLength)
                {
                    bytes[8 + headerLength + random.Next(bytes.Length - 8 - headerLength)] ^= 0xFF;
                }

                return bytes;
        }
    }
}

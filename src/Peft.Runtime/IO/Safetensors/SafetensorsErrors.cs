namespace Peft.IO;

/// <summary>Builds the <see cref="InvalidDataException"/>s of the reader: the source, the problem and the file offset.</summary>
internal static class SafetensorsErrors
{
    public static InvalidDataException At(string source, long fileOffset, string problem, Exception? inner = null) =>
        new($"{source}: {problem} (file offset {fileOffset}).", inner);
}

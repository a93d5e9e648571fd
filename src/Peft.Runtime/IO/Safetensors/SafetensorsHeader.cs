namespace Peft.IO;

/// <summary>A parsed and validated header: tensors in data-offset order plus the metadata.</summary>
internal sealed class SafetensorsHeader
{
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    public SafetensorsHeader(List<SafetensorsTensorInfo> tensorsByOffset, Dictionary<string, string> metadata, long headerLength)
    {
        Tensors = tensorsByOffset;
        Metadata = metadata;
        HeaderLength = headerLength;
        _byName = new Dictionary<string, SafetensorsTensorInfo>(tensorsByOffset.Count, StringComparer.Ordinal);
        foreach (var tensor in tensorsByOffset)
        {
            _byName.Add(tensor.Name, tensor);
        }
    }

    /// <summary>The tensors ordered by their data offsets.</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The <c>__metadata__</c> entries (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>N, the length of the JSON header in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>The file offset of the data section: 8 + N.</summary>
    public long DataStart => SafetensorsFormat.LengthPrefixSize + HeaderLength;

    public bool TryGet(string name, out SafetensorsTensorInfo tensor) => _byName.TryGetValue(name, out tensor!);
}

using System.Text.Json;

namespace Peft.IO;

/// <summary>
/// The weights of a model as Hugging Face stores them: one <c>.safetensors</c> file, or a folder holding
/// <c>model.safetensors</c> or <c>model.safetensors.index.json</c> whose <c>weight_map</c> names the shard of every
/// tensor. Opening checks that the index and the shards agree (every shard a plain file name in the folder and
/// present, every tensor in the shard the index names, no tensor twice or unlisted); the shards are memory-mapped.
/// </summary>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The weights file of an unsharded model folder.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The index of a sharded model folder.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files = [];
    private readonly Dictionary<string, (SafetensorsFile File, SafetensorsTensorInfo Tensor)> _tensors = new(StringComparer.Ordinal);

    private SafetensorsCheckpoint(string path, string? directory, string? indexPath)
    {
        Path = path;
        Directory = directory;
        IndexPath = indexPath;
    }

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Path { get; }

    /// <summary>The model folder, or <see langword="null"/> when a single file was opened.</summary>
    public string? Directory { get; }

    /// <summary>The index file of a sharded folder, else <see langword="null"/>.</summary>
    public string? IndexPath { get; }

    /// <summary>Whether the weights are shards listed by an index.</summary>
    public bool IsSharded => IndexPath is not null;

    /// <summary>The files: one, or the shards in the order the index first names them.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files;

    /// <summary>The number of tensors over all files.</summary>
    public int TensorCount => _tensors.Count;

    /// <summary>The tensor names, shard by shard in file order.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>The folder, or the single file, for messages.</summary>
    public string Source => Directory ?? Path;

    /// <summary>Opens a <c>.safetensors</c> file or a model folder (single file or sharded).</summary>
    /// <exception cref="FileNotFoundException">Nothing at <paramref name="path"/>.</exception>
    /// <exception cref="InvalidDataException">No weights in the folder, a bad index, a missing shard, or a tensor in two places.</exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafetensorsCheckpoint checkpoint;
        if (System.IO.Directory.Exists(path))
        {
            string single = System.IO.Path.Combine(path, SingleFileName);
            string index = System.IO.Path.Combine(path, IndexFileName);
            checkpoint = new SafetensorsCheckpoint(path, path, File.Exists(single) || !File.Exists(index) ? null : index);
            try
            {
                if (File.Exists(single))
                {
                    checkpoint.AddFile(single, null);
                }
                else if (checkpoint.IndexPath is { } indexPath)
                {
                    checkpoint.AddShards(path, indexPath);
                }
                else
                {
                    throw new InvalidDataException($"{path}: no {SingleFileName} and no {IndexFileName}.");
                }
            }
            catch
            {
                checkpoint.Dispose();
                throw;
            }

            return checkpoint;
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such file or directory.", path);
        }

        checkpoint = new SafetensorsCheckpoint(path, null, null);
        try
        {
            checkpoint.AddFile(path, null);
        }
        catch
        {
            checkpoint.Dispose();
            throw;
        }

        return checkpoint;
    }

    /// <summary>Finds tensor <paramref name="name"/> and the file that holds it.</summary>
    public bool TryGetTensor(string name, out SafetensorsFile file, out SafetensorsTensorInfo tensor)
    {
        if (_tensors.TryGetValue(name, out var found))
        {
            (file, tensor) = found;
            return true;
        }

        file = null!;
        tensor = null!;
        return false;
    }

    /// <summary>Releases the memory maps.</summary>
    public void Dispose()
    {
        foreach (var file in _files)
        {
            file.Dispose();
        }
    }

    private void AddShards(string directory, string indexPath)
    {
        var weightMap = ReadWeightMap(indexPath);
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var (name, shard) in weightMap)
        {
            // A shard is a plain file name beside the index: no folders, no way out of the model folder.
            if (string.IsNullOrEmpty(shard) || shard != System.IO.Path.GetFileName(shard) || shard is "." or "..")
            {
                throw new InvalidDataException($"{indexPath}: weight_map['{name}'] = '{shard}' is not a file name in the model folder.");
            }

            if (!shards.TryGetValue(shard, out var file))
            {
                string path = System.IO.Path.Combine(directory, shard);
                if (!File.Exists(path))
                {
                    throw new InvalidDataException($"{indexPath}: weight_map['{name}'] names shard '{shard}', which does not exist.");
                }

                file = AddFile(path, indexPath);
                shards.Add(shard, file);
            }
        }

        foreach (var (name, shard) in weightMap)
        {
            if (!_tensors.TryGetValue(name, out var found) || !ReferenceEquals(found.File, shards[shard]))
            {
                throw new InvalidDataException($"{indexPath}: weight_map puts '{name}' in '{shard}', but that shard has no such tensor.");
            }
        }

        if (_tensors.Count != weightMap.Count)
        {
            string extra = _tensors.Keys.First(n => !weightMap.ContainsKey(n));
            throw new InvalidDataException($"{indexPath}: tensor '{extra}' of shard '{System.IO.Path.GetFileName(_tensors[extra].File.Source)}' is not in weight_map.");
        }
    }

    /// <summary>The index's <c>weight_map</c>: tensor name → shard file name, in file order.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(indexPath), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("weight_map", out var map)
                || map.ValueKind == JsonValueKind.Null)
            {
                throw new InvalidDataException($"{indexPath}: field 'weight_map' is missing.");
            }

            if (map.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{indexPath}: field 'weight_map' is a {map.ValueKind}, expected an object of tensor name → shard file.");
            }

            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var entry in map.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.String)
                {
                    throw new InvalidDataException($"{indexPath}: weight_map['{entry.Name}'] is a {entry.Value.ValueKind}, expected a shard file name.");
                }

                if (!weightMap.TryAdd(entry.Name, entry.Value.GetString()!))
                {
                    throw new InvalidDataException($"{indexPath}: weight_map lists '{entry.Name}' twice.");
                }
            }

            return weightMap.Count > 0 ? weightMap : throw new InvalidDataException($"{indexPath}: field 'weight_map' is empty.");
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{indexPath}: not a valid index: {exception.Message}", exception);
        }
    }

    private SafetensorsFile AddFile(string path, string? indexPath)
    {
        var file = SafetensorsFile.Open(path);
        _files.Add(file);
        foreach (var tensor in file.Tensors)
        {
            if (!_tensors.TryAdd(tensor.Name, (file, tensor)))
            {
                throw new InvalidDataException(
                    $"{indexPath ?? path}: tensor '{tensor.Name}' is in both {_tensors[tensor.Name].File.Source} and {path}.");
            }
        }

        return file;
    }
}

namespace Peft.Cli;

/// <summary>
/// Checks of the paths given on the command line, before any work starts, each failing with one line that
/// names the option, the path and what was expected (a file where a folder belongs, a folder without
/// <c>config.json</c>, an output folder that is not empty or not writable).
/// </summary>
internal static class PathArguments
{
    /// <summary>The weight files of a Hugging Face folder: one file, or the index of shards.</summary>
    private static readonly string[] WeightFiles = ["model.safetensors", "model.safetensors.index.json"];

    /// <summary>An adapter folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c>), never a file.</summary>
    public static void AdapterFolder(string path, string option)
    {
        if (File.Exists(path))
        {
            throw new ArgumentException(
                $"{option}: {path} is a file; an adapter is a folder holding adapter_config.json and adapter_model.safetensors (give the folder).");
        }

        if (!Directory.Exists(path))
        {
            throw new ArgumentException($"{option}: {path}: no such adapter folder.");
        }
    }

    /// <summary>A Hugging Face model folder: <c>config.json</c> and <c>model.safetensors</c> or a shard index.</summary>
    public static void ModelFolder(string path, string option)
    {
        if (File.Exists(path))
        {
            throw new ArgumentException(
                $"{option}: {path} is a file; a model is a Hugging Face folder holding config.json and model.safetensors (or model.safetensors.index.json).");
        }

        if (!Directory.Exists(path))
        {
            throw new ArgumentException($"{option}: {path}: no such model folder.");
        }

        if (!File.Exists(Path.Combine(path, "config.json")))
        {
            throw new ArgumentException($"{option}: {path} has no config.json (a Hugging Face model folder holds config.json and the weights).");
        }

        RequireWeights(path, option);
    }

    /// <summary>
    /// Base weights: a <c>.safetensors</c> file, or a folder that holds <c>model.safetensors</c> or a shard index
    /// (whether the file really is safetensors is checked by its header when it is read).
    /// </summary>
    public static void BaseWeights(string path, string option)
    {
        if (Directory.Exists(path))
        {
            RequireWeights(path, option);
            return;
        }

        if (!File.Exists(path))
        {
            throw new ArgumentException($"{option}: {path}: no such file or folder.");
        }
    }

    /// <summary>An input file (not a folder) that exists.</summary>
    public static void InputFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{option}: {path} is a folder; give a file.");
        }

        if (!File.Exists(path))
        {
            throw new ArgumentException($"{option}: {path}: no such file.");
        }
    }

    /// <summary>A file to write: not a folder, in a folder that exists and is writable.</summary>
    public static void OutputFile(string path, string option)
    {
        if (Directory.Exists(path))
        {
            throw new ArgumentException($"{option}: {path} is a folder; give the path of the file to write.");
        }

        string folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"{option}: cannot write {path}: the folder {folder} does not exist.");
        }

        RequireWritable(folder, option);
    }

    /// <summary>
    /// A folder to write into: created if missing; an existing one must be empty unless <paramref name="mayHoldRun"/>
    /// (a resumed run keeps its checkpoints there). It must be writable.
    /// </summary>
    public static void OutputFolder(string path, string option, bool mayHoldRun)
    {
        RequireFolderTarget(path, option, mayHoldRun ? null
            : "give a new or empty folder, or pass --resume to continue the run whose checkpoints are there");
        try
        {
            Directory.CreateDirectory(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option}: cannot create the folder {path}: {exception.Message}");
        }

        RequireWritable(path, option);
    }

    /// <summary>A folder that will be written whole (under a temporary name, then renamed): absent or empty, in a writable folder.</summary>
    public static void NewFolder(string path, string option)
    {
        RequireFolderTarget(path, option, "the merged folder is written whole; give a new or empty folder");
        string parent = Path.GetDirectoryName(Path.GetFullPath(path))!;
        if (!Directory.Exists(parent))
        {
            throw new ArgumentException($"{option}: cannot write {path}: the folder {parent} does not exist.");
        }

        RequireWritable(parent, option);
    }

    // Not a file; not a folder with entries unless whenNotEmpty is null.
    private static void RequireFolderTarget(string path, string option, string? whenNotEmpty)
    {
        if (File.Exists(path))
        {
            throw new ArgumentException($"{option}: {path} is a file; give a folder to write into.");
        }

        if (whenNotEmpty is not null && Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any())
        {
            throw new ArgumentException($"{option}: {path}: the output exists and is not empty; {whenNotEmpty}.");
        }
    }

    private static void RequireWeights(string folder, string option)
    {
        if (!WeightFiles.Any(name => File.Exists(Path.Combine(folder, name))))
        {
            throw new ArgumentException($"{option}: {folder} has no model.safetensors and no model.safetensors.index.json (the weights).");
        }
    }

    // Creating and deleting a file is the only reliable test (permissions, read-only mounts, ACLs).
    private static void RequireWritable(string folder, string option)
    {
        string probe = Path.Combine(folder, $".peft-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new ArgumentException($"{option}: cannot write into the folder {folder}: {exception.Message}");
        }
    }
}

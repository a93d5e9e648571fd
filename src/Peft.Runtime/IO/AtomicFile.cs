namespace Peft.IO;

/// <summary>
/// Writes files so that readers never see a half-written file and a failed write never corrupts the
/// existing one: the content goes to a temporary file in the same folder, is flushed to disk, and is
/// then renamed over the target (an atomic replace on the same volume).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> with <paramref name="write"/>; creates the folder if needed.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(write);
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no folder.", nameof(path));
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically.</summary>
    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    /// <summary>
    /// Creates the folder <paramref name="path"/> with <paramref name="fill"/>, which writes into a temporary sibling
    /// folder that is renamed to <paramref name="path"/> only once complete: a failure leaves no output. A folder
    /// cannot replace a non-empty one in one rename, so <paramref name="path"/> must not exist or be empty.
    /// </summary>
    /// <exception cref="IOException"><paramref name="path"/> is a file or a non-empty folder.</exception>
    public static void WriteDirectory(string path, Action<string> fill)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(fill);
        string fullPath = Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar);
        if (File.Exists(fullPath) || (Directory.Exists(fullPath) && Directory.EnumerateFileSystemEntries(fullPath).Any()))
        {
            throw new IOException($"{path}: the output exists{(File.Exists(fullPath) ? " as a file" : " and is not empty")}; choose a new folder.");
        }

        string parent = Path.GetDirectoryName(fullPath) ?? throw new ArgumentException($"'{path}' has no parent folder.", nameof(path));
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(temporary);
            fill(temporary);
            if (Directory.Exists(fullPath))
            {
                Directory.Delete(fullPath);
            }

            Directory.Move(temporary, fullPath);
        }
        catch
        {
            try
            {
                Directory.Delete(temporary, recursive: true);
            }
            catch (Exception cleanup) when (cleanup is IOException or UnauthorizedAccessException)
            {
            }

            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

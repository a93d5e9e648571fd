using System.Globalization;
using Peft.IO;

namespace Peft.Training;

/// <summary>
/// The on-disk layout of trainer checkpoints. A checkpoint is a folder <c>checkpoint-NNNNNNNN</c> (the step)
/// holding <c>checkpoint.safetensors</c> (trainable parameters, AdamW moments, the sampler's order) and
/// <c>trainer_state.json</c> (steps, schedule, generator state, groups, early stopping). It is written into a
/// hidden temporary folder and renamed into place, then the <c>latest</c> file (written atomically) points at
/// it, and only then are checkpoints beyond the kept number deleted: a crash at any point leaves the previous
/// checkpoint whole.
/// </summary>
internal static class TrainerCheckpoint
{
    public const string TensorsFileName = "checkpoint.safetensors";
    public const string StateFileName = "trainer_state.json";
    public const string LatestFileName = "latest";
    public const string Format = "peft-trainer-checkpoint";
    public const int Version = 1;
    private const string Prefix = "checkpoint-";

    public static string PathFor(string directory, int step)
        => Path.GetFullPath(Path.Combine(directory, Prefix + step.ToString("D8", CultureInfo.InvariantCulture)));

    /// <summary>The checkpoint <c>latest</c> names, else the complete checkpoint with the highest step, else null.</summary>
    public static string? FindLatest(string directory)
    {
        string pointer = Path.Combine(directory, LatestFileName);
        if (File.Exists(pointer))
        {
            string named = Path.GetFullPath(Path.Combine(directory, File.ReadAllText(pointer).Trim()));
            if (IsComplete(named))
            {
                return named;
            }
        }

        return List(directory).LastOrDefault(IsComplete);
    }

    /// <summary>Writes a checkpoint folder for <paramref name="step"/> atomically and keeps the newest <paramref name="keep"/>.</summary>
    public static string Write(string directory, int step, int keep, Action<string> writeFiles)
    {
        Directory.CreateDirectory(directory);
        string final = PathFor(directory, step);
        string name = Path.GetFileName(final);
        string temporary = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.tmp");
        Directory.CreateDirectory(temporary);
        try
        {
            writeFiles(temporary);
            if (Directory.Exists(final))
            {
                // Saving the same step again: move the old folder aside first, delete it once the new one is in place.
                string old = Path.Combine(directory, $".{name}.{Guid.NewGuid():N}.old");
                Directory.Move(final, old);
                Directory.Move(temporary, final);
                Directory.Delete(old, recursive: true);
            }
            else
            {
                Directory.Move(temporary, final);
            }
        }
        catch
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            throw;
        }

        AtomicFile.WriteAllBytes(Path.Combine(directory, LatestFileName), System.Text.Encoding.UTF8.GetBytes(name + "\n"));
        var all = List(directory);
        for (int i = 0; i < all.Count - keep; i++)
        {
            if (all[i] != final)
            {
                Directory.Delete(all[i], recursive: true);
            }
        }

        return final;
    }

    private static bool IsComplete(string checkpoint)
        => File.Exists(Path.Combine(checkpoint, TensorsFileName)) && File.Exists(Path.Combine(checkpoint, StateFileName));

    // The checkpoint-N folders, by step.
    private static List<string> List(string directory)
    {
        if (!Directory.Exists(directory))
        {
            return [];
        }

        return Directory.GetDirectories(directory, Prefix + "*")
            .Select(path => (Path: Path.GetFullPath(path), Ok: int.TryParse(Path.GetFileName(path).AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out int step), Step: step))
            .Where(entry => entry.Ok)
            .OrderBy(entry => entry.Step)
            .Select(entry => entry.Path)
            .ToList();
    }
}

using System.Diagnostics;
using Peft.Analyzers.Tests;

namespace Peft.Gpu.Tests;

/// <summary>
/// The checked-in SPIR-V of the cooperative-matrix kernels is their GLSL source compiled: recompiled with glslang 15
/// (<c>tools/vulkan26.sh glslang</c>, or the compiler named by <c>PEFT_GLSLANG_COOPMAT</c>) and compared byte for byte.
/// Skipped, with the way to run it, where no such compiler is at hand (Debian 12's glslang 12 cannot compile
/// GL_KHR_cooperative_matrix); CI fetches it. <c>PEFT_UPDATE_SNAPSHOTS=1</c> rewrites the SPIR-V instead.
/// </summary>
public sealed class CooperativeMatrixShaderTests
{
    public const string CompilerVariable = "PEFT_GLSLANG_COOPMAT";

    public static TheoryData<string> Sources => [.. Directory.GetFiles(RepositoryPaths.Get("src/Peft.Gpu/Shaders/coopmat"), "*.comp").Select(path => Path.GetFileName(path)!).Order()];

    [CooperativeMatrixCompilerTheory]
    [MemberData(nameof(Sources))]
    public void CheckedInSpirVIsTheSourceCompiled(string source)
    {
        string sourcePath = RepositoryPaths.Get("src/Peft.Gpu/Shaders/coopmat/" + source);
        string checkedIn = Path.ChangeExtension(sourcePath, ".spv");
        string compiled = Path.Combine(Path.GetTempPath(), $"peft-{Guid.NewGuid():N}.spv");
        try
        {
            var (file, prefix) = Compiler();
            Assert.True(file is not null, $"{HalfGemmDevice.RequireVariable}=1 but no glslang for GL_KHR_cooperative_matrix: run tools/vulkan26.sh fetch.");
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string argument in prefix.Concat(["-V", "--target-env", "vulkan1.2", "-S", "comp", sourcePath, "-o", compiled]))
            {
                start.ArgumentList.Add(argument);
            }

            using var process = Process.Start(start)!;
            string log = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.True(process.ExitCode == 0, $"glslang failed on {source} ({process.ExitCode}): {log}");
            if (Environment.GetEnvironmentVariable("PEFT_UPDATE_SNAPSHOTS") == "1")
            {
                File.Copy(compiled, checkedIn, overwrite: true);
            }

            Assert.True(File.ReadAllBytes(compiled).AsSpan().SequenceEqual(File.ReadAllBytes(checkedIn)),
                $"{Path.GetFileName(checkedIn)} is not {source} compiled; rewrite it with PEFT_UPDATE_SNAPSHOTS=1 (with glslang 15: tools/vulkan26.sh).");
        }
        finally
        {
            File.Delete(compiled);
        }
    }

    /// <summary>The compiler and the arguments before glslang's own, or null when none is at hand.</summary>
    internal static (string? File, string[] Prefix) Compiler()
    {
        string? named = Environment.GetEnvironmentVariable(CompilerVariable);
        if (!string.IsNullOrEmpty(named))
        {
            return (named, []);
        }

        return File.Exists(RepositoryPaths.Get(".tools/vulkan26/.complete"))
            ? ("bash", [RepositoryPaths.Get("tools/vulkan26.sh"), "glslang"])
            : default;
    }
}

/// <summary>Skips, naming how to run it, when no glslang able to compile GL_KHR_cooperative_matrix is at hand (unless it is required).</summary>
public sealed class CooperativeMatrixCompilerTheoryAttribute : TheoryAttribute
{
    public CooperativeMatrixCompilerTheoryAttribute()
    {
        if (!HalfGemmDevice.Required && CooperativeMatrixShaderTests.Compiler().File is null)
        {
            Skip = $"No glslang ≥ 13 for GL_KHR_cooperative_matrix: run tools/vulkan26.sh fetch, or set {CooperativeMatrixShaderTests.CompilerVariable}.";
        }
    }
}

using Peft.Models;

namespace Peft.Cli;

/// <summary>The parsed options of <c>peft generate</c> (<see cref="GenerateCommandLine"/>).</summary>
internal sealed record GenerateArguments(
    string Model, string? Adapter, int[]? Ids, string? Prompt, GenerationOptions Generation, string? LogitsPath);

using Peft.Generators.Tests.Infrastructure;

namespace Peft.Generators.Tests;

/// <summary>The rank-unrolled loops the runtime ships are this generator's output, byte for byte, and below the crossover.</summary>
public sealed class ShippedLoopsTests
{
    private static readonly string RuntimeFile = Path.Combine("..", "..", "src", "Peft.Runtime", "Methods", "LoRA", "ShippedLowRankLoops.g.cs");

    [Fact]
    public void Runtime_file_is_the_emitters_output() =>
        SnapshotFiles.AssertFileMatches(RuntimeFile, PeftGenerator.EmitShippedLowRankLoops());

    [Fact]
    public void Shipped_ranks_run_on_the_loops()
    {
        Assert.All(PeftGenerator.ShippedLoopRanks, rank => Assert.False(LowRankCrossover.UseGemm(rank), $"rank {rank} would never run its loops"));
        Assert.Equal(PeftGenerator.ShippedLoopRanks, ShippedLoRALoops.Ranks);
    }
}

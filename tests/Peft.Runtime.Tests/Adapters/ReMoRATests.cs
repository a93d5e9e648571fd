using Peft.Training;
using Peft.Tests.Testing;
using static Peft.Tests.Training.TrainingFixtures;

namespace Peft.Tests.Adapters;

/// <summary>ReMoRA: merge-and-restart every few steps, switching the MoRA type as the official code does.</summary>
public sealed class ReMoRATests
{
    private static (Linear<double> Layer, MoRAAdapter<double> Adapter) Layer(MoRAType type = MoRAType.Sharing)
    {
        var layer = new Linear<double>(13, 7, random: new Random(3));
        var adapter = layer.AttachMoRA("default", new MoRAOptions { Rank = 2, Type = type });
        FiniteDifference.Random(adapter.M.Length, seed: 4).CopyTo(adapter.M.Value, 0);
        return (layer, adapter);
    }

    [Theory]
    [InlineData(ReMoRACycle.TwoTypes, new[] { MoRAType.Grouped, MoRAType.Sharing, MoRAType.Grouped })]
    [InlineData(ReMoRACycle.FourTypes, new[] { MoRAType.Grouped, MoRAType.GroupedCompression, MoRAType.GroupedDecompression, MoRAType.Sharing })]
    public void A_restart_folds_M_into_the_base_zeroes_it_and_moves_the_type_on_without_changing_the_output(ReMoRACycle cycle, MoRAType[] types)
    {
        var (layer, adapter) = Layer();
        var initialKernel = adapter.Kernel;
        var remora = new ReMoRA(layer, new ReMoRAOptions { MergeEvery = 3, Cycle = cycle });
        var x = Tensor<double>.Wrap(FiniteDifference.Random(2 * 13, seed: 5), 2, 13);
        foreach (var type in types)
        {
            var before = layer.Forward(x).ToArray();
            var weight = (double[])layer.Weight.Value.Clone();
            var delta = new double[weight.Length];
            adapter.AddDeltaWeight(delta, 1.0);

            Assert.False(remora.Step(1));
            Assert.True(remora.Step(3));
            Assert.Equal(type, adapter.Options.Type);
            Assert.Equal(type, adapter.Shape.Type);
            Assert.All(adapter.M.Value, m => Assert.Equal(0.0, m));
            for (int i = 0; i < weight.Length; i++)
            {
                Assert.Equal(weight[i] + delta[i], layer.Weight.Value[i], 1e-14);
            }

            var after = layer.Forward(x).ToArray();
            for (int i = 0; i < before.Length; i++)
            {
                Assert.Equal(before[i], after[i], 1e-12);
            }

            FiniteDifference.Random(adapter.M.Length, seed: 6 + (int)type).CopyTo(adapter.M.Value, 0);
        }

        Assert.Equal(types.Length, remora.Restarts);
        Assert.Equal(cycle == ReMoRACycle.FourTypes, ReferenceEquals(initialKernel, adapter.Kernel)); // back at Sharing: its first kernel
    }

    [Fact]
    public void A_restart_makes_the_optimizer_forget_M_and_a_trainer_runs_it_as_a_callback()
    {
        var model = Mlp();
        model.Apply(new AdapterConfig { Options = new MoRAOptions { Rank = 2 }, TargetModules = ["0", "2"] });
        var trainer = Trainer.ForLayer(model, Blobs(64, 1), new TrainerOptions { BatchSize = 16, MaxSteps = 10, LearningRate = 1e-2 });
        var remora = new ReMoRA(model, new ReMoRAOptions { MergeEvery = 4 });
        trainer.Callbacks.Add(remora);
        trainer.Fit();
        Assert.Equal(2, remora.Restarts);

        // After step 8's restart, M's moments start again: two more steps give the state step count 2, not 10.
        var mora = (MoRAAdapter<float>)((Linear<float>)model.NamedModules().Single(m => m.Key == "0").Value).Adapters.Active!;
        Assert.Equal(MoRAType.Sharing, mora.Options.Type);
        var optimizer = trainer.Optimizer;
        int group = optimizer.Groups.Select((g, i) => (g, i)).Single(p => p.g.ParameterArray.Contains(mora.M)).i;
        var moments = (AdamW.Moments<float>)optimizer.StateSlot(group, Array.IndexOf(optimizer.Groups[group].ParameterArray, mora.M))!;
        Assert.Equal(2, moments.Step);
    }

    [Fact]
    public void Unusable_models_and_options_are_clear_errors()
    {
        Assert.Contains("MergeEvery must be positive",
            Assert.Throws<ArgumentException>(() => new ReMoRA(Layer().Layer, new ReMoRAOptions { MergeEvery = 0 })).Message);
        Assert.Contains("has no MoRA adapter", Assert.Throws<ArgumentException>(() => new ReMoRA(Mlp(), new ReMoRAOptions())).Message);

        var rope = new Sequential<double>(new Linear<double>(13, 7));
        ((Linear<double>)rope.NamedModules().Single(m => m.Key == "0").Value).AttachMoRA("default", new MoRAOptions { Rank = 2, Type = MoRAType.RoPE });
        Assert.Contains("layer '0' has a RoPE MoRA adapter", Assert.Throws<ArgumentException>(() => new ReMoRA(rope, new ReMoRAOptions())).Message);

        var (layer, _) = Layer();
        layer.Adapters.Merge();
        Assert.Contains("must be unmerged", Assert.Throws<InvalidOperationException>(() => new ReMoRA(layer, new ReMoRAOptions()).Restart()).Message);
        Assert.Throws<ArgumentException>(() => ReMoRA.Next(MoRAType.GroupedCompression, ReMoRACycle.TwoTypes));
    }
}

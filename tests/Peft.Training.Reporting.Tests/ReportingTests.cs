using Peft.Training;
using Peft.Training.Reporting;
using Spectre.Console.Testing;

namespace Peft.Tests.Training.Reporting;

public sealed class ReportingTests
{
    private static Trainer SmallTrainer(int steps)
    {
        var random = new Random(1);
        var features = new float[64 * 4];
        var labels = new int[64];
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = i % 2;
            for (int f = 0; f < 4; f++)
            {
                features[i * 4 + f] = (float)random.NextDouble() + (f == labels[i] ? 1 : 0);
            }
        }

        var model = new Sequential(new Linear(4, 8, random: random), new ReLU(), new Linear(8, 2, random: random));
        return Trainer.ForLayer(model, new ArrayDataset(features, 4, labels), new TrainerOptions { BatchSize = 16, MaxSteps = steps, EvaluateEvery = 5 },
            new ArrayDataset(features, 4, labels));
    }

    [Fact]
    public void Redirected_output_gets_plain_lines_with_loss_rate_throughput_and_evaluations()
    {
        var console = new TestConsole();   // not interactive, as redirected output
        var trainer = SmallTrainer(steps: 10);
        var result = trainer.FitWithProgress("demo", console: console);
        Assert.Equal(10, result.Steps);
        var lines = console.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("demo: step 1/10 loss ", lines[0]);
        Assert.Contains(" acc ", lines[0]);
        Assert.Contains(" lr ", lines[0]);
        Assert.Contains(" ex/s ETA ", lines[0]);
        Assert.Contains(lines, line => line.StartsWith("demo: eval @ 5: loss ", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.StartsWith("demo: step 10/10 ", StringComparison.Ordinal));
        Assert.Empty(trainer.Callbacks);   // the display removes itself
    }

    [Fact]
    public void Loss_curve_is_written_as_a_png()
    {
        var trainer = SmallTrainer(steps: 12);
        var log = new MetricsLog(Path.Combine(Path.GetTempPath(), "peft-plot-" + Guid.NewGuid().ToString("N")));
        trainer.Callbacks.Add(log);
        trainer.Fit();
        string path = Path.Combine(log.Directory, "loss.png");
        try
        {
            var curves = LossCurvePlot.FromLog(log, "run").ToList();
            Assert.Equal(2, curves.Count);   // training loss and evaluations
            LossCurvePlot.Save(path, curves);
            byte[] bytes = File.ReadAllBytes(path);
            Assert.True(bytes.Length > 1000);
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
            Assert.Single(Directory.GetFiles(log.Directory, "*.png"));   // no temporary file left
        }
        finally
        {
            Directory.Delete(log.Directory, recursive: true);
        }
    }
}

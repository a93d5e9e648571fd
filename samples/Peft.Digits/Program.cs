using System.Globalization;
using System.Text.Json;
using Peft;
using Peft.Digits;
using Peft.IO;
using Peft.Training;
using Peft.Training.Reporting;

// dotnet run -c Release --project samples/Peft.Digits -- [--out DIR] [--steps N] [--seeds K]
// Pretrains an MLP on the UCI digits, freezes it, then fine-tunes LoRA and LoRA+ adapters on a shifted task
// (mirrored images, labels rotated by one) over a learning-rate sweep for both, averaging K seeds per setting.
// Writes DIR/loss.png and DIR/summary.json, and says whether LoRA+ reached LoRA's final loss in ≤ 0.65× the steps.
string outDirectory = "out/digits";
int steps = 300;
int seedCount = 3;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--out": outDirectory = args[i + 1]; break;
        case "--steps": steps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--seeds": seedCount = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}; usage: [--out DIR] [--steps N] [--seeds K]");
            return 2;
    }
}

double[] learningRates = [3e-4, 1e-3, 3e-3, 1e-2, 3e-2];
const int Rank = 4;
const double Ratio = 16;
const int SmoothingWindow = 20;
Directory.CreateDirectory(outDirectory);
var tasks = DigitsTasks.Load(Path.Combine(AppContext.BaseDirectory, "data", "digits.csv.gz"));
Console.WriteLine($"digits: {tasks.Pretrain.Count} pretraining, {tasks.ShiftedTrain.Count} shifted-task training, {tasks.ShiftedTest.Count} shifted-task test examples");

// 1. Pretrain the base on the original task and save it.
var pretrained = NewModel(seed: 1);
var pretrainer = Trainer.ForLayer(pretrained, tasks.Pretrain,
    new TrainerOptions { BatchSize = 32, Epochs = 40, LearningRate = 3e-3, WarmupSteps = 20, MinLearningRateFactor = 0.1, Seed = 1 });
pretrainer.FitWithProgress("pretraining");
double pretrainAccuracy = pretrainer.Evaluate(tasks.Pretrain).Accuracy;
double baseShiftedAccuracy = pretrainer.Evaluate(tasks.ShiftedTest).Accuracy;
string basePath = Path.Combine(outDirectory, "base.safetensors");
pretrained.SaveWeights(basePath);
Console.WriteLine($"base: accuracy {pretrainAccuracy:F3} on its pretraining examples, {baseShiftedAccuracy:F3} on the shifted test set before fine-tuning");

// 2. Fine-tune adapters on the frozen base: every (method, learning rate, seed).
var runs = new List<Run>();
foreach (string method in (string[])["lora", "loraplus"])
{
    foreach (double learningRate in learningRates)
    {
        var curves = new List<double[]>();
        var accuracies = new List<double>();
        foreach (int seed in Enumerable.Range(1, seedCount))
        {
            var model = NewModel(seed: 1);
            model.LoadWeights(basePath);
            AdapterOptions adapter = method == "lora"
                ? new LoRAOptions { Rank = Rank, Alpha = 2 * Rank, Seed = seed }
                : new LoRAPlusOptions { Rank = Rank, Alpha = 2 * Rank, Ratio = Ratio, Seed = seed };
            model.Apply(new AdapterConfig { Options = adapter, TargetModules = ["0", "2", "4"] });
            var trainer = Trainer.ForLayer(model, tasks.ShiftedTrain, new TrainerOptions
            {
                BatchSize = 32, MaxSteps = steps, LearningRate = learningRate, WarmupSteps = 10, MinLearningRateFactor = 0.1,
                MaxGradientNorm = 1.0, Seed = (ulong)seed,
            });
            var curve = new LossCurve();
            trainer.Callbacks.Add(curve);
            try
            {
                trainer.Fit();
                curves.Add(LossCurve.Smooth(curve.Losses, SmoothingWindow));
                accuracies.Add(trainer.Evaluate(tasks.ShiftedTest).Accuracy);
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                Console.WriteLine($"{method} lr {learningRate:0.0e+00} seed {seed}: diverged ({e.Message.Split('\n')[0]})");
                curves.Add(Enumerable.Repeat(double.PositiveInfinity, steps).ToArray());
                accuracies.Add(0);
            }
        }

        var mean = Enumerable.Range(0, steps).Select(s => curves.Average(c => c[s])).ToArray();
        runs.Add(new Run(method, learningRate, mean, accuracies.Average()));
        Console.WriteLine($"{method,-8} lr {learningRate:0.0e+00}: final loss {mean[^1]:F4}, test accuracy {accuracies.Average():F3} (mean of {seedCount} seeds)");
    }
}

// 3. Best learning rate of each method (lowest final training loss); steps each needs to reach LoRA's final loss.
var lora = runs.Where(r => r.Method == "lora").MinBy(r => r.Curve[^1])!;
var loraPlus = runs.Where(r => r.Method == "loraplus").MinBy(r => r.Curve[^1])!;
double target = lora.Curve[^1];
int loraSteps = LossCurve.FirstStepAtOrBelow(lora.Curve, target)!.Value;
int? loraPlusSteps = LossCurve.FirstStepAtOrBelow(loraPlus.Curve, target);
double? ratio = loraPlusSteps / (double)loraSteps;
bool claimHolds = ratio <= 0.65;

LossCurvePlot.Save(Path.Combine(outDirectory, "loss.png"),
[
    new LossCurvePlot.Curve($"LoRA r={Rank}, lr {lora.LearningRate:0.0e+00}", Enumerable.Range(1, steps).Select(s => (double)s).ToArray(), lora.Curve),
    new LossCurvePlot.Curve($"LoRA+ r={Rank}, ratio {Ratio}, lr {loraPlus.LearningRate:0.0e+00}", Enumerable.Range(1, steps).Select(s => (double)s).ToArray(), loraPlus.Curve),
], title: $"Digits, shifted task: training loss ({SmoothingWindow}-step mean, {seedCount} seeds)");

using (var stream = File.Create(Path.Combine(outDirectory, "summary.json")))
using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
{
    json.WriteStartObject();
    json.WriteStartObject("steps_to_lora_final_loss");
    json.WriteNumber("lora", loraSteps);
    if (loraPlusSteps is { } reached)
    {
        json.WriteNumber("loraplus", reached);
    }
    else
    {
        json.WriteNull("loraplus");
    }

    json.WriteEndObject();
    json.WriteStartObject("test_accuracy");
    json.WriteNumber("lora", lora.TestAccuracy);
    json.WriteNumber("loraplus", loraPlus.TestAccuracy);
    json.WriteEndObject();
    json.WriteNumber("lora_final_loss", target);
    json.WriteNumber("loraplus_final_loss", loraPlus.Curve[^1]);
    if (ratio is { } r)
    {
        json.WriteNumber("step_ratio", r);
    }

    json.WriteBoolean("loraplus_within_0_65_of_lora_steps", claimHolds);
    json.WriteStartObject("best_learning_rate");
    json.WriteNumber("lora", lora.LearningRate);
    json.WriteNumber("loraplus", loraPlus.LearningRate);
    json.WriteEndObject();
    json.WriteStartArray("sweep");
    foreach (var run in runs)
    {
        json.WriteStartObject();
        json.WriteString("method", run.Method);
        json.WriteNumber("learning_rate", run.LearningRate);
        if (double.IsFinite(run.Curve[^1]))
        {
            json.WriteNumber("final_loss", run.Curve[^1]);
        }
        else
        {
            json.WriteNull("final_loss");
        }

        json.WriteNumber("test_accuracy", run.TestAccuracy);
        json.WriteEndObject();
    }

    json.WriteEndArray();
    json.WriteNumber("steps", steps);
    json.WriteNumber("seeds", seedCount);
    json.WriteNumber("rank", Rank);
    json.WriteNumber("loraplus_ratio", Ratio);
    json.WriteNumber("smoothing_window", SmoothingWindow);
    json.WriteNumber("base_accuracy_pretraining_task", pretrainAccuracy);
    json.WriteNumber("base_accuracy_shifted_task", baseShiftedAccuracy);
    json.WriteEndObject();
}

Console.WriteLine($"LoRA (lr {lora.LearningRate:0.0e+00}) final loss {target:F4} at step {loraSteps}; LoRA+ (lr {loraPlus.LearningRate:0.0e+00}) " +
    (loraPlusSteps is null ? "never reached it" : $"reached it at step {loraPlusSteps} ({ratio:F2}× the steps)") +
    $"; claim ≤ 0.65×: {(claimHolds ? "holds" : "does not hold")} here.");
Console.WriteLine($"test accuracy: LoRA {lora.TestAccuracy:F3}, LoRA+ {loraPlus.TestAccuracy:F3}; wrote {Path.Combine(outDirectory, "loss.png")} and summary.json");
return 0;

static Sequential NewModel(int seed)
{
    var random = new Random(seed);
    return new Sequential(
        new Linear(DigitsTasks.Pixels, 128, random: random), new ReLU(),
        new Linear(128, 128, random: random), new ReLU(),
        new Linear(128, DigitsTasks.Classes, random: random));
}

internal sealed record Run(string Method, double LearningRate, double[] Curve, double TestAccuracy);

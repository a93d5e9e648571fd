using System.Globalization;
using System.Text.Json;
using Peft;
using Peft.Training;

// dotnet run -c Release --project samples/Peft.Memorization -- [--out DIR] [--keys N] [--steps S]
// The MoRA paper's memorization task in miniature: N random keys (Gaussian vectors) each mapped to a random
// value among N classes, learned by adapters on a frozen random network. LoRA (rank 8) against MoRA (rank 8,
// which gives r̂ = ⌊√((in+out)·8) + 0.5⌋ and so about the same trainable parameters), each at its best learning
// rate from a small sweep; exact match = the share of keys whose value is predicted right.
string outDirectory = "out/memorization";
int keys = 1024;
int steps = 1000;
for (int i = 0; i + 1 < args.Length; i += 2)
{
    switch (args[i])
    {
        case "--out": outDirectory = args[i + 1]; break;
        case "--keys": keys = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        case "--steps": steps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"unknown option {args[i]}; usage: [--out DIR] [--keys N] [--steps S]");
            return 2;
    }
}

const int KeyWidth = 64;
const int Hidden = 256;
const int Rank = 8;
double[] learningRates = [1e-3, 3e-3, 1e-2];
var random = new Random(7);
var features = new float[keys * KeyWidth];
for (int i = 0; i < features.Length; i++)
{
    features[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
}

var values = Enumerable.Range(0, keys).Select(_ => random.Next(keys)).ToArray();
var pairs = new ArrayDataset(features, KeyWidth, values);
Directory.CreateDirectory(outDirectory);

var results = new Dictionary<string, (double ExactMatch, long Parameters, double LearningRate)>();
var sweep = new List<(string Method, double LearningRate, double ExactMatch, double FinalLoss)>();
foreach (string method in (string[])["lora", "mora"])
{
    foreach (double learningRate in learningRates)
    {
        var model = new Sequential(
            new Linear(KeyWidth, Hidden, random: new Random(1)), new ReLU(),
            new Linear(Hidden, Hidden, random: new Random(2)), new ReLU(),
            new Linear(Hidden, keys, random: new Random(3)));
        AdapterOptions adapter = method == "lora"
            ? new LoRAOptions { Rank = Rank, Alpha = 2 * Rank, Seed = 1 }
            : new MoRAOptions { Rank = Rank, Type = MoRAType.Sharing };
        model.Apply(new AdapterConfig { Options = adapter, TargetModules = ["0", "2", "4"] });
        var trainer = Trainer.ForLayer(model, pairs, new TrainerOptions
        {
            BatchSize = 64, MaxSteps = steps, LearningRate = learningRate, WarmupSteps = 50, MinLearningRateFactor = 0.1, Seed = 1,
        });
        long parameters = trainer.TrainableParameters.Sum(p => (long)p.Value.Length);
        var result = trainer.Fit();
        double exactMatch = trainer.Evaluate(pairs).Accuracy;
        sweep.Add((method, learningRate, exactMatch, result.FinalLoss));
        Console.WriteLine($"{method,-4} lr {learningRate:0.0e+00}: exact match {exactMatch:P1} of {keys} keys, final loss {result.FinalLoss:F3}, {parameters} trainable parameters");
        if (!results.TryGetValue(method, out var best) || exactMatch > best.ExactMatch)
        {
            results[method] = (exactMatch, parameters, learningRate);
        }
    }
}

var (lora, mora) = (results["lora"], results["mora"]);
double parameterGap = Math.Abs(mora.Parameters - lora.Parameters) / (double)lora.Parameters;
using (var stream = File.Create(Path.Combine(outDirectory, "summary.json")))
using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
{
    json.WriteStartObject();
    json.WriteStartObject("exact_match");
    json.WriteNumber("lora", lora.ExactMatch);
    json.WriteNumber("mora", mora.ExactMatch);
    json.WriteEndObject();
    json.WriteStartObject("trainable_parameters");
    json.WriteNumber("lora", lora.Parameters);
    json.WriteNumber("mora", mora.Parameters);
    json.WriteEndObject();
    json.WriteNumber("parameter_difference", parameterGap);
    json.WriteStartObject("best_learning_rate");
    json.WriteNumber("lora", lora.LearningRate);
    json.WriteNumber("mora", mora.LearningRate);
    json.WriteEndObject();
    json.WriteStartArray("sweep");
    foreach (var run in sweep)
    {
        json.WriteStartObject();
        json.WriteString("method", run.Method);
        json.WriteNumber("learning_rate", run.LearningRate);
        json.WriteNumber("exact_match", run.ExactMatch);
        json.WriteNumber("final_loss", run.FinalLoss);
        json.WriteEndObject();
    }

    json.WriteEndArray();
    json.WriteNumber("keys", keys);
    json.WriteNumber("steps", steps);
    json.WriteNumber("rank", Rank);
    json.WriteEndObject();
}

Console.WriteLine($"exact match: LoRA {lora.ExactMatch:P1} ({lora.Parameters} parameters), MoRA {mora.ExactMatch:P1} ({mora.Parameters} parameters, " +
    $"{parameterGap:P1} apart); MoRA memorizes {(mora.ExactMatch > lora.ExactMatch ? "more" : "not more")} here. Wrote {Path.Combine(outDirectory, "summary.json")}");
return 0;

using System.Globalization;
using System.Text;
using System.Text.Json;
using Peft.IO;

namespace Peft.Training;

/// <summary>
/// Records every step and evaluation and writes them to <c>metrics.csv</c> (one row per step, evaluation
/// columns filled on the steps that evaluated) and <c>metrics.json</c> (<c>{"steps": [...], "evaluations": [...]}</c>)
/// in a folder, atomically, after each evaluation and at the end of the run. Rows are kept in arrays sized
/// for the run at its start, so recording a step allocates nothing.
/// </summary>
public sealed class MetricsLog : ITrainerCallback
{
    /// <summary>The CSV file name.</summary>
    public const string CsvFileName = "metrics.csv";

    /// <summary>The JSON file name.</summary>
    public const string JsonFileName = "metrics.json";

    private readonly List<StepMetrics> _steps = [];
    private readonly List<EvaluationMetrics> _evaluations = [];

    /// <summary>Creates a log that writes into <paramref name="directory"/>.</summary>
    public MetricsLog(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory = directory;
    }

    /// <summary>The folder the files go to.</summary>
    public string Directory { get; }

    /// <summary>The steps recorded so far.</summary>
    public IReadOnlyList<StepMetrics> Steps => _steps;

    /// <summary>The evaluations recorded so far.</summary>
    public IReadOnlyList<EvaluationMetrics> Evaluations => _evaluations;

    /// <inheritdoc />
    public void OnTrainBegin(Trainer trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        _steps.EnsureCapacity(_steps.Count + trainer.TotalSteps - trainer.Step);
        int every = trainer.Options.EvaluateEvery;
        _evaluations.EnsureCapacity(_evaluations.Count + (every > 0 ? trainer.TotalSteps / every : 0) + 1);
    }

    /// <inheritdoc />
    public void OnStep(in StepMetrics metrics) => _steps.Add(metrics);

    /// <inheritdoc />
    public void OnEvaluation(in EvaluationMetrics metrics)
    {
        _evaluations.Add(metrics);
        Write();
    }

    /// <inheritdoc />
    public void OnTrainEnd(TrainingResult result) => Write();

    /// <summary>Writes both files now.</summary>
    public void Write()
    {
        AtomicFile.WriteAllBytes(Path.Combine(Directory, CsvFileName), Encoding.UTF8.GetBytes(ToCsv()));
        AtomicFile.Write(Path.Combine(Directory, JsonFileName), WriteJson);
    }

    /// <summary>The CSV text: <c>step,epoch,loss,accuracy,learning_rate,gradient_norm,examples_per_second,eval_loss,eval_accuracy</c>.</summary>
    public string ToCsv()
    {
        var evaluations = _evaluations.ToDictionary(e => e.Step);
        var text = new StringBuilder("step,epoch,loss,accuracy,learning_rate,gradient_norm,examples_per_second,eval_loss,eval_accuracy\n");
        foreach (var step in _steps)
        {
            text.Append(CultureInfo.InvariantCulture,
                $"{step.Step},{step.Epoch},{Number(step.Loss)},{Number(step.Accuracy)},{Number(step.LearningRate)},{Number(step.GradientNorm)},{Number(step.ExamplesPerSecond)},");
            if (evaluations.TryGetValue(step.Step, out var evaluation))
            {
                text.Append(CultureInfo.InvariantCulture, $"{Number(evaluation.Loss)},{Number(evaluation.Accuracy)}");
            }
            else
            {
                text.Append(',');
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    private void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("steps");
        foreach (var step in _steps)
        {
            json.WriteStartObject();
            json.WriteNumber("step", step.Step);
            json.WriteNumber("epoch", step.Epoch);
            WriteNumber(json, "loss", step.Loss);
            WriteNumber(json, "accuracy", step.Accuracy);
            WriteNumber(json, "learning_rate", step.LearningRate);
            WriteNumber(json, "gradient_norm", step.GradientNorm);
            WriteNumber(json, "examples_per_second", step.ExamplesPerSecond);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("evaluations");
        foreach (var evaluation in _evaluations)
        {
            json.WriteStartObject();
            json.WriteNumber("step", evaluation.Step);
            WriteNumber(json, "loss", evaluation.Loss);
            WriteNumber(json, "accuracy", evaluation.Accuracy);
            json.WriteNumber("examples", evaluation.Examples);
            json.WriteBoolean("improved", evaluation.Improved);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    // NaN (no accuracy, no clipping) is an empty CSV field and a JSON null.
    private static string Number(double value) => double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : "";

    private static void WriteNumber(Utf8JsonWriter json, string name, double value)
    {
        if (double.IsFinite(value))
        {
            json.WriteNumber(name, value);
        }
        else
        {
            json.WriteNull(name);
        }
    }
}

using Peft;
using Peft.Quickstart;

// Adapter quickstart: a frozen "pretrained" classifier learns a new labelling through a LoRA+
// adapter on Hidden and a MoRA adapter on Output, both specialized at compile time from the
// attributes in Classifier.cs. Deterministic: fixed seeds, a synthetic task, one thread of numbers.
const int batch = 64, steps = 120;

var model = new Classifier();                       // base weights: seeded, frozen once adapters attach
model.AttachAdapters();                             // generated: LoRA+ (r = 8) on Hidden, MoRA (r = 8) on Output
var optimizer = model.CreateOptimizer(learningRate: 2e-3);   // generated LoRA+ groups: B at lr·16

Console.WriteLine($"trainable parameters: {model.NamedParameters().Where(p => p.Value.Trainable).Sum(p => p.Value.Length)}" +
    $" of {model.NamedParameters().Sum(p => p.Value.Length)}");
var paths = model.NamedParameters().ToDictionary(p => p.Value, p => p.Key);   // full paths, e.g. Hidden.lora_A
foreach (var group in optimizer.Groups.Where(g => g.Parameters.Count > 0))
{
    Console.WriteLine($"  group {group.Name,-16} lr {group.LearningRate:G3}  {string.Join(", ", group.Parameters.Select(p => paths[p]))}");
}

// The new task: labels from a fixed random linear "teacher" the base model knows nothing about.
var random = new Random(42);
var teacher = new float[Classifier.Classes * Classifier.Inputs];
for (int i = 0; i < teacher.Length; i++)
{
    teacher[i] = (float)(random.NextDouble() * 2 - 1);
}

var x = new Tensor<float>(batch, Classifier.Inputs);
var labels = new int[batch];
var logitsGradient = new Tensor<float>(batch, Classifier.Classes);
var logits = x;
double loss = 0;
for (int step = 1; step <= steps; step++)
{
    NextBatch(random, teacher, x.Span, labels);
    logits = model.Forward(x);                      // owned by Output: read it before the next Forward
    loss = SoftmaxCrossEntropy.Compute<float>(logits.Span, labels, logitsGradient.Span);
    optimizer.ZeroGradients();
    model.Backward(logitsGradient);                 // generated: Output, Relu, Hidden in reverse
    optimizer.Step();
    if (step == 1 || step % 20 == 0)
    {
        Console.WriteLine($"step {step,4}  loss {loss:F4}  accuracy {Accuracy(logits.Span, labels):P0}");
    }
}

// Fold the adapters into the base weights for inference: the merged model gives the same logits.
NextBatch(new Random(7), teacher, x.Span, labels);
model.Eval();
var adapted = model.Forward(x).ToArray();
model.MergeAdapters();
logits = model.Forward(x);
double difference = adapted.Zip(logits.ToArray(), (a, b) => Math.Abs(a - b)).Max();
Console.WriteLine($"merged: held-out loss {SoftmaxCrossEntropy.Compute<float>(logits.Span, labels, logitsGradient.Span):F4}, " +
    $"accuracy {Accuracy(logits.Span, labels):P0}, max |merged − adapted| logit {difference:E1}");
return difference < 1e-3 ? 0 : 1;

static void NextBatch(Random random, float[] teacher, Span<float> x, int[] labels)
{
    for (int i = 0; i < x.Length; i++)
    {
        x[i] = (float)(random.NextDouble() * 2 - 1);
    }

    for (int n = 0; n < labels.Length; n++)
    {
        var row = x.Slice(n * Classifier.Inputs, Classifier.Inputs);
        int best = 0;
        float bestScore = float.NegativeInfinity;
        for (int c = 0; c < Classifier.Classes; c++)
        {
            float score = System.Numerics.Tensors.TensorPrimitives.Dot<float>(row, teacher.AsSpan(c * Classifier.Inputs, Classifier.Inputs));
            if (score > bestScore)
            {
                (best, bestScore) = (c, score);
            }
        }

        labels[n] = best;
    }
}

static double Accuracy(ReadOnlySpan<float> logits, int[] labels)
{
    int correct = 0;
    for (int n = 0; n < labels.Length; n++)
    {
        var row = logits.Slice(n * Classifier.Classes, Classifier.Classes);
        correct += System.Numerics.Tensors.TensorPrimitives.IndexOfMax<float>(row) == labels[n] ? 1 : 0;
    }

    return (double)correct / labels.Length;
}

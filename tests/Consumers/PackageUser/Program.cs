using System.Globalization;
using Peft;
using PackageUser;

// Trains the adapters of a frozen random classifier on one fixed batch with random labels, then
// prints one line that tests/Peft.Analyzers.Tests/Consumers/PackageConsumerTests.cs checks: which
// kernel types the generated AttachAdapters plugged in (and from which assembly: generated kernels
// are compiled into this one, the runtime's fallbacks live in Peft.Runtime), and the loss before and after.
const int batch = 16, steps = 25;

var model = new Classifier();
model.AttachAdapters();
var optimizer = model.CreateOptimizer(learningRate: 1e-2);

var random = new Random(3);
var x = new Tensor<float>(batch, Classifier.Inputs);
foreach (ref float value in x.Span)
{
    value = (float)(random.NextDouble() * 2 - 1);
}

var labels = new int[batch];
for (int n = 0; n < batch; n++)
{
    labels[n] = random.Next(Classifier.Classes);
}

var gradient = new Tensor<float>(batch, Classifier.Classes);
double first = 0, last = 0;
for (int step = 1; step <= steps; step++)
{
    var logits = model.Forward(x);
    last = SoftmaxCrossEntropy.Compute<float>(logits.Span, labels, gradient.Span);
    first = step == 1 ? last : first;
    optimizer.ZeroGradients();
    model.Backward(gradient);
    optimizer.Step();
}

var hidden = (LoRAAdapter<float>)model.Hidden.Adapters.Active!;
var output = (MoRAAdapter<float>)model.Output.Adapters.Active!;
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"package-user: Hidden {Describe(hidden, hidden.Kernel)}; Output {Describe(output, output.Kernel)}; loss {first:F4} -> {last:F4} after {steps} steps"));

// "LoRAPlusAdapter kernel HiddenKernel from PackageUser". A generated kernel is a `file` class,
// whose metadata name is "<File_g>F…__HiddenKernel": the part after "__" is the declared name.
static string Describe(object adapter, object kernel)
{
    Type type = kernel.GetType();
    string name = type.Name[(type.Name.LastIndexOf("__", StringComparison.Ordinal) is int at and >= 0 ? at + 2 : 0)..];
    return $"{adapter.GetType().Name.Split('`')[0]} kernel {name.Split('`')[0]} from {type.Assembly.GetName().Name}";
}

using Peft;

// Quickstart: fit a Linear layer to a known linear map by gradient descent.
// (This sample grows into the adapter quickstart as the adapters land.)
const int inFeatures = 8, outFeatures = 4, batch = 64, steps = 200;
const float learningRate = 0.1f;

var random = new Random(42);
var teacher = new Linear(inFeatures, outFeatures, random: random);
var student = new Linear(inFeatures, outFeatures, random: random);

var x = new float[batch * inFeatures];
var target = new float[batch * outFeatures];
var y = new float[batch * outFeatures];
var dy = new float[batch * outFeatures];

for (int step = 0; step <= steps; step++)
{
    for (int i = 0; i < x.Length; i++)
    {
        x[i] = (float)(random.NextDouble() * 2 - 1);
    }

    teacher.Forward(x, target, batch);
    student.Forward(x, y, batch);

    // Mean squared error and its gradient.
    double loss = 0;
    for (int i = 0; i < y.Length; i++)
    {
        float diff = y[i] - target[i];
        loss += diff * diff;
        dy[i] = 2 * diff / y.Length;
    }

    loss /= y.Length;
    student.ZeroGradients();
    student.Backward(x, dy, [], batch);
    foreach (var (_, p) in student.NamedParameters<float>())
    {
        for (int i = 0; i < p.Length; i++)
        {
            p.Value[i] -= learningRate * p.Gradient[i];
        }
    }

    if (step % 50 == 0)
    {
        Console.WriteLine($"step {step,4}  loss {loss:E3}");
    }
}

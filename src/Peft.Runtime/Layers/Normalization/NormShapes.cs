using System.Numerics;

namespace Peft;

/// <summary>The argument and input checks the normalization layers share.</summary>
internal static class NormShapes
{
    /// <summary>Checks the sizes and returns the scale <c>"weight"</c> [dim] filled with 1.</summary>
    /// <exception cref="ArgumentException"><paramref name="dim"/> is not positive or ε is negative or not finite.</exception>
    public static Parameter<T> CreateWeight<T>(string name, int dim, double eps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (dim <= 0 || !(eps >= 0) || double.IsInfinity(eps))
        {
            throw new ArgumentException($"{name} needs a positive dim and a finite ε ≥ 0, got dim={dim}, eps={eps}.");
        }

        var weight = new Parameter<T>("weight", [dim], ParameterRole.NormWeight);
        weight.Value.AsSpan().Fill(T.One);
        return weight;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the layer (<c>name [dim]</c>) and the shape unless the innermost dimension is <paramref name="dim"/>.</summary>
    public static void CheckWidth<T>(Tensor<T> input, int dim, string name)
        where T : unmanaged
    {
        if (input.Width != dim)
        {
            throw new ArgumentException($"{name} [{dim}]: input is {input.ShapeText()}, its innermost dimension must be {dim}.", nameof(input));
        }
    }
}

namespace Peft;

/// <summary>The input check the normalization layers share.</summary>
internal static class NormShapes
{
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

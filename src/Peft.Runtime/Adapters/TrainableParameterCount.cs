using System.Globalization;

namespace Peft;

/// <summary>
/// PEFT's <c>get_nb_trainable_parameters</c>: the elements of the trainable parameters and of all parameters of a
/// model, each parameter counted once however many modules share it (PyTorch's <c>named_parameters</c>). Adapter
/// tensors count, and so do both copies of a module to save (the frozen original and the trained copy), as in PEFT.
/// </summary>
/// <param name="Trainable">Elements of parameters with <see cref="Parameter.Trainable"/> set.</param>
/// <param name="All">Elements of every parameter.</param>
public readonly record struct TrainableParameterCount(long Trainable, long All)
{
    /// <summary>100 · trainable / all (0 for a model without parameters).</summary>
    public double Percent => All == 0 ? 0.0 : 100.0 * Trainable / All;

    /// <summary>Counts the parameters of <paramref name="model"/>.</summary>
    public static TrainableParameterCount Of(Module model)
    {
        ArgumentNullException.ThrowIfNull(model);
        long trainable = 0;
        long all = 0;
        foreach (var (_, parameter) in model.NamedParameters())
        {
            all += parameter.Length;
            if (parameter.Trainable)
            {
                trainable += parameter.Length;
            }
        }

        return new TrainableParameterCount(trainable, all);
    }

    /// <summary>
    /// The line PEFT's <c>print_trainable_parameters</c> prints:
    /// <c>trainable params: 1,234 || all params: 56,789 || trainable%: 2.1730</c>
    /// (Python's <c>{:,d}</c> and <c>{:.4f}</c>).
    /// </summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"trainable params: {Trainable:N0} || all params: {All:N0} || trainable%: {Percent:F4}");
}

using System.Numerics;

namespace Peft;

/// <summary>
/// A named tensor of a module: its values, its gradient and whether it is trained.
/// The element type is fixed by <see cref="Parameter{T}"/>; this base lets a module list
/// parameters of any precision.
/// </summary>
public abstract class Parameter
{
    private readonly int[] _shape;

    private protected Parameter(string name, ReadOnlySpan<int> shape, ParameterRole role, bool trainable)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (shape.Length == 0)
        {
            throw new ArgumentException($"Parameter '{name}' needs at least one dimension.", nameof(shape));
        }

        long length = 1;
        foreach (int dimension in shape)
        {
            if (dimension <= 0)
            {
                throw new ArgumentException(
                    $"Parameter '{name}' has shape [{string.Join(", ", shape.ToArray())}]; every dimension must be positive.",
                    nameof(shape));
            }

            length *= dimension;
            if (length > Array.MaxLength)
            {
                throw new ArgumentException(
                    $"Parameter '{name}' with shape [{string.Join(", ", shape.ToArray())}] has more elements than an array can hold.",
                    nameof(shape));
            }
        }

        Name = name;
        _shape = shape.ToArray();
        Role = role;
        Trainable = trainable;
        Length = (int)length;
    }

    /// <summary>The parameter's name inside its module (for example <c>weight</c> or <c>lora_A</c>).</summary>
    public string Name { get; }

    /// <summary>The dimensions, outermost first (row-major storage).</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of elements: the product of <see cref="Shape"/>.</summary>
    public int Length { get; }

    /// <summary>What the parameter is for; drives optimizer grouping and weight decay.</summary>
    public ParameterRole Role { get; }

    /// <summary>Whether optimizers update this parameter and backward passes accumulate its gradient.</summary>
    public bool Trainable { get; set; }

    /// <summary>The element type (<see cref="float"/> or <see cref="double"/>).</summary>
    public abstract Type ElementType { get; }

    /// <summary>Sets every gradient element to zero.</summary>
    public abstract void ZeroGradient();

    /// <summary>The shape written as <c>[d0, d1, …]</c>, for error messages.</summary>
    public string ShapeText => "[" + string.Join(", ", _shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText} {Role}{(Trainable ? "" : " (frozen)")}";
}

/// <summary>A parameter whose elements are of type <typeparamref name="T"/>.</summary>
/// <typeparam name="T"><see cref="float"/> or <see cref="double"/>.</typeparam>
public sealed class Parameter<T> : Parameter
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Creates a zero-filled parameter.</summary>
    public Parameter(string name, ReadOnlySpan<int> shape, ParameterRole role, bool trainable = true)
        : base(name, shape, role, trainable)
    {
        Value = new T[Length];
        Gradient = new T[Length];
    }

    /// <summary>The values, row-major.</summary>
    public T[] Value { get; }

    /// <summary>The accumulated gradient, same layout as <see cref="Value"/>.</summary>
    public T[] Gradient { get; }

    /// <inheritdoc />
    public override Type ElementType => typeof(T);

    /// <inheritdoc />
    public override void ZeroGradient() => Array.Clear(Gradient);
}

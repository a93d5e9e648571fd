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
    private T[]? _value;
    private T[]? _gradient;
    private string? _storedElsewhere;

    /// <summary>Creates a zero-filled parameter.</summary>
    public Parameter(string name, ReadOnlySpan<int> shape, ParameterRole role, bool trainable = true)
        : base(name, shape, role, trainable)
    {
        _value = new T[Length];
    }

    /// <summary>The values, row-major.</summary>
    /// <exception cref="InvalidOperationException">Its layer holds the values in another form (a quantized base weight).</exception>
    public T[] Value => _value ?? ThrowReleased();

    /// <summary>
    /// The accumulated gradient, same layout as <see cref="Value"/>. Created on first use, so a frozen
    /// parameter that no backward pass writes to costs no memory for it.
    /// </summary>
    public T[] Gradient => _gradient ??= new T[Length];

    /// <summary>Whether the values exist as a <typeparamref name="T"/> array (false while a layer holds them quantized).</summary>
    public bool HasValue => _value is not null;

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private T[] ThrowReleased() => throw new InvalidOperationException(
        $"Parameter '{Name}' {ShapeText} is {_storedElsewhere}; its {typeof(T).Name} values do not exist until the layer restores them.");

    /// <summary>Drops the value array because the owning layer now stores the values as <paramref name="storedAs"/>.</summary>
    internal void ReleaseValue(string storedAs)
    {
        _value = null;
        _gradient = null;
        _storedElsewhere = storedAs;
    }

    /// <summary>Gives the parameter its value array back (a layer restoring a quantized weight).</summary>
    internal void RestoreValue(T[] value)
    {
        if (value.Length != Length)
        {
            throw new ArgumentException($"Parameter '{Name}' {ShapeText}: restored values have {value.Length} elements, expected {Length}.", nameof(value));
        }

        _value = value;
        _storedElsewhere = null;
    }

    /// <inheritdoc />
    public override Type ElementType => typeof(T);

    /// <inheritdoc />
    public override void ZeroGradient()
    {
        if (_gradient is not null)
        {
            Array.Clear(_gradient);
        }
    }
}

using System.Numerics;
using Peft.IO;

namespace Peft;

/// <summary>
/// An adapter attached to a <see cref="Linear{T}"/>: a child module of the layer, named by the
/// adapter (so its parameters have paths such as <c>hidden.default.lora_A</c>), that adds
/// <c>Δ(x)</c> to the layer's output. Concrete kinds: <see cref="LoRAAdapter{T}"/>,
/// <see cref="LoRAPlusAdapter{T}"/> and <see cref="MoRAAdapter{T}"/>.
/// </summary>
public abstract class Adapter<T> : Module, IAdapterModule
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private protected Adapter(Linear<T> layer, string name)
    {
        Layer = layer;
        Name = name;
    }

    /// <summary>The adapter's name (PEFT's <c>adapter_name</c>, <c>default</c> unless chosen).</summary>
    public string Name { get; }

    /// <summary>The layer the adapter is attached to.</summary>
    public Linear<T> Layer { get; }

    /// <summary>Whether ΔW has been folded into the layer's weight (see <see cref="LinearAdapters{T}.Merge"/>).</summary>
    public bool IsMerged { get; internal set; }

    /// <summary>The adapter's own parameters, in layout order.</summary>
    public abstract IReadOnlyList<Parameter<T>> AdapterParameters { get; }

    /// <summary>
    /// The number of trained values: the adapter's parameters plus the base weight and bias when
    /// the base is not frozen. This is the length of <see cref="CopyParametersTo"/>'s layout.
    /// </summary>
    public int ParameterCount
    {
        get
        {
            int count = 0;
            foreach (var parameter in ParameterLayout())
            {
                count += parameter.Length;
            }

            return count;
        }
    }

    /// <summary>
    /// Copies the trained values: base weight and bias first when the base is not frozen, then the
    /// adapter's parameters (each row-major).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is not <see cref="ParameterCount"/> long.</exception>
    public void CopyParametersTo(Span<T> destination)
    {
        CheckLayoutLength(destination.Length);
        foreach (var parameter in ParameterLayout())
        {
            parameter.Value.CopyTo(destination);
            destination = destination[parameter.Length..];
        }
    }

    /// <summary>Sets the trained values from the layout of <see cref="CopyParametersTo"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="values"/> is not <see cref="ParameterCount"/> long.</exception>
    public void SetParameters(ReadOnlySpan<T> values)
    {
        CheckLayoutLength(values.Length);
        foreach (var parameter in ParameterLayout())
        {
            values[..parameter.Length].CopyTo(parameter.Value);
            values = values[parameter.Length..];
        }
    }

    /// <summary>Writes <c>ΔW</c> (<c>[out, in]</c>), the change the adapter makes to the weight.</summary>
    public void ComputeDeltaWeight(Span<T> delta)
    {
        CheckWeightLength(delta.Length);
        delta.Clear();
        AddDeltaWeight(delta, T.One);
    }

    /// <summary>
    /// Adds the adapter's contribution <c>Δ(x)</c> to <paramref name="output"/>, which holds the base output <c>W0·x + b</c>
    /// when <see cref="Linear{T}"/> calls it. Additive methods leave that part alone; DoRA rescales it per row.
    /// </summary>
    public abstract void Forward(ReadOnlySpan<T> input, Span<T> output, int batch);

    /// <summary>
    /// Accumulates the adapter's parameter gradients and adds its part of <c>dX</c> to
    /// <paramref name="inputGradient"/> (skipped when empty). Uses the state of the latest <see cref="Forward"/>.
    /// </summary>
    public abstract void Backward(ReadOnlySpan<T> input, ReadOnlySpan<T> outputGradient, Span<T> inputGradient, int batch);

    /// <summary><c>weight += factor·ΔW</c>.</summary>
    protected internal abstract void AddDeltaWeight(Span<T> weight, T factor);

    /// <summary>
    /// Folds the adapter into the layer's weight. For an additive method <c>W ← W + ΔW</c> (the default); a method
    /// whose merged weight is not <c>W0 + ΔW</c> for a fixed ΔW (DoRA rescales rows by a norm of <c>W0 + ΔW</c>)
    /// overrides it together with <see cref="UnmergeFrom"/>.
    /// </summary>
    protected internal virtual void MergeInto(Span<T> weight) => AddDeltaWeight(weight, T.One);

    /// <summary>Undoes <see cref="MergeInto"/>: <c>W ← W − ΔW</c> by default.</summary>
    protected internal virtual void UnmergeFrom(Span<T> weight) => AddDeltaWeight(weight, -T.One);

    /// <summary>
    /// The gradient that reaches the base product <c>W0·x</c> for the output gradient <paramref name="outputGradient"/>:
    /// <c>dY</c> itself for additive methods; DoRA, whose output is <c>(m/‖W0 + ΔW‖) ⊙ (W0·x + …)</c>, scales it per row.
    /// The layer uses it for <c>dW0</c> and <c>dX = dY·W0</c>; the bias always gets <c>dY</c>.
    /// </summary>
    internal virtual ReadOnlySpan<T> BaseOutputGradient(ReadOnlySpan<T> outputGradient, int batch) => outputGradient;

    /// <summary>
    /// The input the base product <c>W0·x</c> reads (forward, and <c>dW0</c> in backward): <paramref name="input"/> itself for
    /// most methods; IA³ on a feed-forward layer scales it, <c>l ⊙ x</c>.
    /// </summary>
    internal virtual ReadOnlySpan<T> BaseInput(ReadOnlySpan<T> input, int batch) => input;

    /// <summary>
    /// Where the layer writes the base's input gradient <c>dY·W0</c> when the adapter transforms it (IA³ on a feed-forward
    /// layer: <c>dX = l ⊙ (dY·W0)</c>, which its <see cref="Backward"/> adds to dX): empty (the default) to write into dX as usual.
    /// </summary>
    internal virtual Span<T> BaseInputGradient(int batch) => Span<T>.Empty;

    /// <summary>Whether the bias is inside what the adapter rescales (IA³ on the output), so its gradient is <see cref="BaseOutputGradient"/>'s.</summary>
    internal virtual bool ScalesBias => false;

    /// <summary><c>bias += factor·Δb</c>: what merging changes in the bias (IA³ on the output scales it); nothing by default.</summary>
    internal virtual void AddDeltaBias(Span<T> bias, T factor)
    {
    }

    /// <summary>
    /// The tensors a PEFT adapter file holds for this adapter on the module at <paramref name="modulePath"/>:
    /// by default every parameter the adapter owns, keyed <c>base_model.model.&lt;path&gt;.&lt;name&gt;.weight</c>,
    /// so a subclass's extra parameters are saved without being listed anywhere.
    /// </summary>
    internal virtual IEnumerable<KeyValuePair<string, Parameter<T>>> PeftTensors(string modulePath) =>
        KeyedPeftTensors(modulePath, OwnParameters.Cast<Parameter<T>>(), ".weight");

    /// <summary>
    /// <paramref name="parameters"/> keyed <c>base_model.model.&lt;path&gt;.&lt;name&gt;&lt;suffix&gt;</c>: <c>.weight</c> for an
    /// <c>nn.Linear</c> factor, empty for PEFT's <c>nn.ParameterDict</c> entries (LoHa, LoKr).
    /// </summary>
    private protected static IEnumerable<KeyValuePair<string, Parameter<T>>> KeyedPeftTensors(string modulePath, IEnumerable<Parameter<T>> parameters, string suffix)
    {
        foreach (var parameter in parameters)
        {
            yield return new(PeftKeys.Prefix + modulePath + "." + parameter.Name + suffix, parameter);
        }
    }

    /// <summary>
    /// The tensors written to a PEFT adapter file for the module at <paramref name="modulePath"/>, in <paramref name="dtype"/>:
    /// by default <see cref="PeftTensors"/>' parameters as they are; a method that stores values no parameter holds
    /// (AdaLoRA's triplets cut to its rank pattern, possibly empty) overrides it.
    /// </summary>
    internal virtual IEnumerable<SafetensorsTensor> PeftFileTensors(string modulePath, SafetensorsDType dtype)
    {
        foreach (var (key, parameter) in PeftTensors(modulePath))
        {
            yield return SafetensorsTensor.FromValues<T>(key, parameter.Shape, parameter.Value, dtype);
        }
    }

    /// <summary>
    /// Tensors the file holds once for every layer of the adapter (VeRA's <c>base_model.vera_A</c> / <c>vera_B</c>); saving
    /// keeps the first layer's. None by default.
    /// </summary>
    internal virtual IEnumerable<SafetensorsTensor> SharedPeftTensors(SafetensorsDType dtype) => [];

    /// <summary>Adds this adapter's fields (method, rank, α, …) for the module at <paramref name="modulePath"/> to a PEFT config.</summary>
    internal abstract void AddPeftConfig(string modulePath, PeftAdapterConfigBuilder builder);

    /// <summary>A label for error messages: adapter kind, name and layer shape.</summary>
    internal string Context => $"{GetType().Name.Split('`')[0]} '{Name}' on Linear [{Layer.OutFeatures}, {Layer.InFeatures}]";

    /// <summary>Marks the adapter's parameters trainable (active adapter) or frozen (inactive).</summary>
    internal void SetTrainable(bool trainable)
    {
        foreach (var parameter in AdapterParameters)
        {
            parameter.Trainable = trainable;
        }
    }

    private IEnumerable<Parameter<T>> ParameterLayout()
    {
        if (!Layer.IsFrozen)
        {
            yield return Layer.Weight;
            if (Layer.Bias is not null)
            {
                yield return Layer.Bias;
            }
        }

        foreach (var parameter in AdapterParameters)
        {
            yield return parameter;
        }
    }

    private void CheckLayoutLength(int length)
    {
        int expected = ParameterCount;
        if (length != expected)
        {
            throw new ArgumentException(
                $"{Context}: parameter vector has {length} elements, expected {expected} " +
                $"({(Layer.IsFrozen ? "adapter only, base frozen" : "base weight and bias, then adapter")}).");
        }
    }

    private protected void CheckWeightLength(int length)
    {
        int expected = Layer.OutFeatures * Layer.InFeatures;
        if (length != expected)
        {
            throw new ArgumentException(
                $"{Context}: ΔW buffer has {length} elements, expected out {Layer.OutFeatures} × in {Layer.InFeatures} = {expected}.");
        }
    }
}

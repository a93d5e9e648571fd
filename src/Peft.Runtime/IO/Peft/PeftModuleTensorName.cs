namespace Peft.IO;

/// <summary>
/// A per-module tensor a method stores: its name after <c>base_model.model.&lt;module path&gt;.</c> (PEFT's key without
/// the adapter name, <c>.weight</c> included for <c>nn.Linear</c> factors, absent for <c>ParameterDict</c> entries) and the
/// number of dimensions it must have (0: any, the method's format checks it); <paramref name="MayBeEmpty"/> when a size can be 0
/// (AdaLoRA's module whose every triplet the budget dropped).
/// </summary>
internal readonly record struct PeftModuleTensorName(string Name, int Dimensions, bool MayBeEmpty = false)
{
    /// <summary>What a tensor of this many dimensions is called in messages.</summary>
    public string Kind => Dimensions switch
    {
        0 => "tensor",
        1 => "1-D vector",
        2 => "2-D matrix",
        _ => $"{Dimensions}-D tensor",
    };
}

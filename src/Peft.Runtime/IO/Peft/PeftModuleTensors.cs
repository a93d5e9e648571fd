namespace Peft.IO;

/// <summary>
/// The adapter tensors of one module in an adapter file: <c>lora_A</c> <c>[r, in]</c> and <c>lora_B</c>
/// <c>[out, r]</c>, or for MoRA the square M (stored under both keys).
/// </summary>
public sealed class PeftModuleTensors
{
    internal PeftModuleTensors(string modulePath, SafetensorsTensorInfo a, SafetensorsTensorInfo b)
    {
        ModulePath = modulePath;
        A = a;
        B = b;
    }

    /// <summary>The module path inside the model (<c>encoder.layers.0.q_proj</c>).</summary>
    public string ModulePath { get; }

    /// <summary>The <c>lora_A.weight</c> tensor.</summary>
    public SafetensorsTensorInfo A { get; }

    /// <summary>The <c>lora_B.weight</c> tensor.</summary>
    public SafetensorsTensorInfo B { get; }

    /// <summary>LoRA's r (rows of A); for MoRA, r̂.</summary>
    public int Rank => (int)A.Shape[0];

    /// <summary>LoRA's input width (columns of A).</summary>
    public int InFeatures => (int)A.Shape[1];

    /// <summary>LoRA's output width (rows of B).</summary>
    public int OutFeatures => (int)B.Shape[0];
}

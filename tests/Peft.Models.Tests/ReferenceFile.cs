using System.Runtime.InteropServices;
using Peft.IO;

namespace Peft.Models.Tests;

/// <summary>The tensors of Fixtures/hf-tiny-llama/io.safetensors (see its README).</summary>
internal sealed class ReferenceFile
{
    private ReferenceFile(int[] ids, float[] logits, float[] q0X, float[] q0Y)
    {
        (Ids, Logits, Q0X, Q0Y) = (ids, logits, q0X, q0Y);
    }

    /// <summary><c>ids</c> [1, 6] (stored int64).</summary>
    public int[] Ids { get; }

    /// <summary><c>logits</c> [1, 6, 256] of the adapted model in eval mode.</summary>
    public float[] Logits { get; }

    /// <summary><c>q0_x</c> [3, 64]: input of the adapted <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public float[] Q0X { get; }

    /// <summary><c>q0_y</c> [3, 64]: its output.</summary>
    public float[] Q0Y { get; }

    public static ReferenceFile Load()
    {
        using var file = SafetensorsFile.Open(Fixtures.TinyLlamaIO);
        Assert.Equal(SafetensorsDType.I64, file.GetTensor("ids").DType);
        int[] ids = [.. MemoryMarshal.Cast<byte, long>(file.GetBytes("ids")).ToArray().Select(checked(static id => (int)id))];
        return new ReferenceFile(ids, file.ReadValues<float>("logits"), file.ReadValues<float>("q0_x"), file.ReadValues<float>("q0_y"));
    }
}

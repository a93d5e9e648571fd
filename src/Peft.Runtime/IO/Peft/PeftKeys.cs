namespace Peft.IO;

/// <summary>
/// PEFT's tensor keys in <c>adapter_model.safetensors</c>: <c>base_model.model.&lt;module path&gt;.lora_A.weight</c>
/// (<c>[r, in]</c>) and <c>….lora_B.weight</c> (<c>[out, r]</c>); the adapter name is not part of the key.
/// MoRA (official fork) stores its square M under both keys. LoRA on an embedding (PEFT's <c>lora.Embedding</c>,
/// whose factors are a <c>ParameterDict</c>) stores <c>….lora_embedding_A</c> (<c>[r, num]</c>) and
/// <c>….lora_embedding_B</c> (<c>[dim, r]</c>) without a <c>.weight</c> suffix.
/// </summary>
public static class PeftKeys
{
    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before module paths.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>The suffix of the down projection (or MoRA's M).</summary>
    public const string LoRAASuffix = ".lora_A.weight";

    /// <summary>The suffix of the up projection (or MoRA's M again).</summary>
    public const string LoRABSuffix = ".lora_B.weight";

    /// <summary>The suffix of an embedding adapter's A, <c>[r, num]</c>.</summary>
    public const string LoRAEmbeddingASuffix = ".lora_embedding_A";

    /// <summary>The suffix of an embedding adapter's B, <c>[dim, r]</c>.</summary>
    public const string LoRAEmbeddingBSuffix = ".lora_embedding_B";

    /// <summary>The key of <c>lora_embedding_A</c> for the embedding at <paramref name="modulePath"/>.</summary>
    public static string LoRAEmbeddingA(string modulePath) => Prefix + modulePath + LoRAEmbeddingASuffix;

    /// <summary>The key of <c>lora_embedding_B</c> for the embedding at <paramref name="modulePath"/>.</summary>
    public static string LoRAEmbeddingB(string modulePath) => Prefix + modulePath + LoRAEmbeddingBSuffix;

    /// <summary>The key of <c>lora_A</c> for the module at <paramref name="modulePath"/>.</summary>
    public static string LoRAA(string modulePath) => Prefix + modulePath + LoRAASuffix;

    /// <summary>The key of <c>lora_B</c> for the module at <paramref name="modulePath"/>.</summary>
    public static string LoRAB(string modulePath) => Prefix + modulePath + LoRABSuffix;

    /// <summary>Splits a key into module path and matrix (<c>'A'</c> or <c>'B'</c>); false for any other key.</summary>
    public static bool TryParse(string key, out string modulePath, out char matrix) => TryParse(key, out modulePath, out matrix, out _);

    /// <summary>
    /// Splits a key into module path, matrix (<c>'A'</c> or <c>'B'</c>) and whether it is an embedding adapter's
    /// (<c>lora_embedding_A/B</c>); false for any other key.
    /// </summary>
    public static bool TryParse(string key, out string modulePath, out char matrix, out bool embedding)
    {
        modulePath = "";
        matrix = '\0';
        embedding = false;
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var (suffix, which, isEmbedding) in Suffixes)
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal) && key.Length > Prefix.Length + suffix.Length)
            {
                modulePath = key[Prefix.Length..^suffix.Length];
                matrix = which;
                embedding = isEmbedding;
                return true;
            }
        }

        return false;
    }

    private static readonly (string Suffix, char Matrix, bool Embedding)[] Suffixes =
    [
        (LoRAASuffix, 'A', false), (LoRABSuffix, 'B', false), (LoRAEmbeddingASuffix, 'A', true), (LoRAEmbeddingBSuffix, 'B', true),
    ];
}

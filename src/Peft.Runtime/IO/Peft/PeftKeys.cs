namespace Peft.IO;

/// <summary>
/// PEFT's tensor keys in <c>adapter_model.safetensors</c>: <c>base_model.model.&lt;module path&gt;.lora_A.weight</c>
/// (<c>[r, in]</c>) and <c>….lora_B.weight</c> (<c>[out, r]</c>); the adapter name is not part of the key.
/// MoRA (official fork) stores its square M under both keys.
/// </summary>
public static class PeftKeys
{
    /// <summary>The prefix PEFT's <c>PeftModel</c> puts before module paths.</summary>
    public const string Prefix = "base_model.model.";

    /// <summary>The suffix of the down projection (or MoRA's M).</summary>
    public const string LoRAASuffix = ".lora_A.weight";

    /// <summary>The suffix of the up projection (or MoRA's M again).</summary>
    public const string LoRABSuffix = ".lora_B.weight";

    /// <summary>The key of <c>lora_A</c> for the module at <paramref name="modulePath"/>.</summary>
    public static string LoRAA(string modulePath) => Prefix + modulePath + LoRAASuffix;

    /// <summary>The key of <c>lora_B</c> for the module at <paramref name="modulePath"/>.</summary>
    public static string LoRAB(string modulePath) => Prefix + modulePath + LoRABSuffix;

    /// <summary>Splits a key into module path and matrix (<c>'A'</c> or <c>'B'</c>); false for any other key.</summary>
    public static bool TryParse(string key, out string modulePath, out char matrix)
    {
        modulePath = "";
        matrix = '\0';
        if (!key.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var (suffix, which) in new[] { (LoRAASuffix, 'A'), (LoRABSuffix, 'B') })
        {
            if (key.EndsWith(suffix, StringComparison.Ordinal) && key.Length > Prefix.Length + suffix.Length)
            {
                modulePath = key[Prefix.Length..^suffix.Length];
                matrix = which;
                return true;
            }
        }

        return false;
    }
}

namespace Peft.Models;

/// <summary>Which config fields fix the shape of each Llama tensor, for error messages that name both.</summary>
internal static class LlamaShapes
{
    /// <summary>The fields (with their values) that set the shape of the tensor named <paramref name="name"/>.</summary>
    public static string Fields(string name, LlamaConfig config)
    {
        string hidden = $"hidden_size={config.HiddenSize}";
        string queries = $"num_attention_heads={config.NumAttentionHeads}, head_dim={config.HeadDim}";
        string keys = $"num_key_value_heads={config.NumKeyValueHeads}, head_dim={config.HeadDim}";
        string mlp = $"intermediate_size={config.IntermediateSize}";
        string vocab = $"vocab_size={config.VocabSize}";
        string module = name.EndsWith(".weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal)
            ? name[..name.LastIndexOf('.')]
            : name;
        string leaf = module[(module.LastIndexOf('.') + 1)..];
        return leaf switch
        {
            "embed_tokens" or "lm_head" => $"{vocab}, {hidden}",
            "q_proj" or "o_proj" => $"{queries}, {hidden}",
            "k_proj" or "v_proj" => $"{keys}, {hidden}",
            "gate_proj" or "up_proj" or "down_proj" => $"{mlp}, {hidden}",
            _ => hidden,
        };
    }
}

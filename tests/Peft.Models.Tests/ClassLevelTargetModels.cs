namespace Peft.Models.Tests;

/// <summary>LoRA on the attention inputs, MoRA on the MLP output and DoRA on the attention output of the tiny Llama.</summary>
[LoRA(Rank = 4, Alpha = 8, TargetModules = ["q_proj", "v_proj"])]
[MoRA(Rank = 4, TargetModules = ["down_proj"])]
[DoRA(Rank = 2, Alpha = 4, TargetModules = ["self_attn.o_proj"])]
public sealed partial class TargetedTinyLlama : LlamaForCausalLM
{
}

/// <summary>LoRA+ on the gate and up projections, rsLoRA-free, ratio 16.</summary>
[LoRAPlus(Rank = 4, Alpha = 8, Ratio = 16, TargetModules = ["gate_proj", "up_proj"])]
public sealed partial class LoRAPlusTinyLlama : LlamaForCausalLM
{
}

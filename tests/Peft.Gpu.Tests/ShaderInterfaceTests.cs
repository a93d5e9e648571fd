using Peft.Gpu.Kernels;

namespace Peft.Gpu.Tests;

/// <summary>
/// Every embedded shader's interface, read from its SPIR-V: parameters in push constants and buffers as storage
/// buffers, which is all the pipeline layouts declare. glslang's HLSL front end ignores <c>[[vk::push_constant]]</c> on a
/// plain global struct and puts it in a <c>$Global</c> uniform buffer at set 0, binding 0, on top of the first storage
/// buffer: Debian 12's lavapipe happened to serve it from the push constants, lavapipe 26 reads it from that buffer
/// (wrong sizes, endless loops), and so would a GPU driver. Needs no device.
/// </summary>
public sealed class ShaderInterfaceTests
{
    private const int OpDecorate = 71, OpTypePointer = 32, OpVariable = 59;
    private const int DecorationBlock = 2;
    private const int StorageUniform = 2, StoragePushConstant = 9;

    public static TheoryData<string> Shaders => [.. ShaderLibrary.Names];

    [Theory]
    [MemberData(nameof(Shaders))]
    public void ParametersArePushConstantsAndNoUniformBufferIsDeclared(string shader)
    {
        var words = Words(ShaderLibrary.Load(shader));
        var blocks = new HashSet<uint>();
        var pointees = new Dictionary<uint, uint>();
        var variables = new List<(uint Type, uint Storage)>();
        for (int at = 5; at < words.Length;)
        {
            int opcode = (int)(words[at] & 0xFFFF), count = (int)(words[at] >> 16);
            Assert.True(count > 0 && at + count <= words.Length, $"{shader}: malformed instruction at word {at}.");
            if (opcode == OpDecorate && words[at + 2] == DecorationBlock)
            {
                blocks.Add(words[at + 1]);
            }
            else if (opcode == OpTypePointer)
            {
                pointees[words[at + 1]] = words[at + 3];
            }
            else if (opcode == OpVariable)
            {
                variables.Add((words[at + 1], words[at + 3]));
            }

            at += count;
        }

        Assert.Contains(variables, v => v.Storage == StoragePushConstant);
        Assert.DoesNotContain(variables, v => v.Storage == StorageUniform && blocks.Contains(pointees[v.Type]));
    }

    private static uint[] Words(byte[] bytes)
    {
        var words = new uint[bytes.Length / 4];
        Buffer.BlockCopy(bytes, 0, words, 0, bytes.Length);
        return words;
    }
}

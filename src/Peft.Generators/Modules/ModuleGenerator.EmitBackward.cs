using System.Collections.Generic;
using System.Linq;
using Peft.Generators.Helpers;
using Peft.Generators.Modules.Models;
using Peft.ModuleAnalysis;

namespace Peft.Generators.Modules;

/// <summary>
/// Writes the Backward of a differentiable Forward: the member modules' Backward calls in reverse order,
/// each value's gradient in a field zeroed before its consumers add into it, the input's into the caller's buffer.
/// </summary>
public sealed partial class ModuleGenerator
{
    private static void WriteBackward(IndentedWriter writer, BackwardInfo backward)
    {
        ForwardGraph graph = backward.Graph;
        string tensor = $"global::Peft.Tensor<{graph.ElementType}>";
        for (int i = 0; i < graph.Calls.Length; i++)
        {
            if (backward.GradientFields[i].Length != 0)
            {
                writer.Line($"/// <summary>dL/d{graph.Calls[i].Name}: the gradient of <c>{graph.Calls[i].Member}</c>'s output, sized and zeroed by <c>Backward</c>.</summary>");
                writer.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{GeneratorName}\", \"{GeneratorVersion}\")]");
                writer.Line($"private readonly {tensor} {backward.GradientFields[i]} = new([0]);");
                writer.Line();
            }
        }

        string parameter = graph.Parameter;
        string result = graph.Calls[graph.Result - 1].Name;
        writer.Line("/// <summary>");
        writer.Line($"/// Back-propagates <c>dL/d{result}</c> of the latest <c>Forward</c>, whose body is");
        writer.Line("/// <code>");
        foreach (string line in graph.Source)
        {
            writer.Line("/// " + EscapeXml(line));
        }

        writer.Line("/// </code>");
        writer.Line("/// by the chain rule in reverse: each member module accumulates its parameters' gradients and adds the gradients");
        writer.Line($"/// of its inputs; a value used twice collects both. <c>dL/d{parameter}</c> is added to <paramref name=\"inputGradient\"/>.");
        writer.Line("/// </summary>");
        writer.Line($"/// <param name=\"outputGradient\"><c>dL/d{result}</c>, shaped as Forward's output.</param>");
        writer.Line($"/// <param name=\"inputGradient\">Receives <c>dL/d{parameter}</c> added to its contents (shaped as Forward's input), or <see langword=\"null\"/> to skip it.</param>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"public void Backward({tensor} outputGradient, {tensor}? inputGradient)"))
        {
            for (int i = graph.Calls.Length - 1; i >= 0; i--)
            {
                WriteBackwardStep(writer, backward, i);
            }
        }

        writer.Line();
        writer.Line("/// <summary>");
        writer.Line($"/// Back-propagates <c>dL/d{result}</c> of the latest <c>Forward</c> into the parameters' gradients only:");
        writer.Line("/// <c>Backward(outputGradient, null)</c>, for a model whose input is data (no gradient wanted for it).");
        writer.Line("/// </summary>");
        WriteGeneratedAttributes(writer);
        writer.Line($"public void Backward({tensor} outputGradient) => this.Backward(outputGradient, null);");

        writer.Line();
        (int call, int position) = graph.InputSizedBy;
        writer.Line($"/// <summary>The input of the latest <c>Forward</c> (<paramref name=\"index\"/> 0), as <c>{graph.Calls[call].Member}</c> received it.</summary>");
        WriteGeneratedAttributes(writer);
        using (writer.OpenBlock($"public {tensor} ForwardInput(int index)"))
        {
            writer.Line("global::System.ArgumentOutOfRangeException.ThrowIfNotEqual(index, 0);");
            writer.Line($"return this.{graph.Calls[call].Member}.ForwardInput({position});");
        }
    }

    /// <summary>
    /// One step in reverse: zero the gradient of each argument whose last consumer this call is (it is the
    /// first to add into it), then <c>Member.Backward(dL/doutput, dL/darguments…)</c>.
    /// </summary>
    private static void WriteBackwardStep(IndentedWriter writer, BackwardInfo backward, int index)
    {
        ForwardGraph graph = backward.Graph;
        ForwardCall call = graph.Calls[index];
        string output = call.Name;
        var arguments = call.Arguments.Select(a => ValueName(graph, a)).ToList();
        writer.Line($"// {output} = {call.Member}.Forward({string.Join(", ", arguments)})  ⇒  " +
            string.Join(",  ", arguments.Distinct().Select(a => $"dL/d{a} += (∂{output}/∂{a})ᵀ · dL/d{output}")));

        foreach (int argument in call.Arguments.Distinct())
        {
            if (argument != 0 && LastConsumer(graph, argument) == index)
            {
                (int consumer, int position) = graph.Calls[argument - 1].SizedBy;
                writer.Line($"this.{backward.GradientFields[argument - 1]}.ZeroLike(this.{graph.Calls[consumer].Member}.ForwardInput({position}));");
            }
        }

        var gradients = new List<string> { Gradient(backward, index + 1) };
        gradients.AddRange(call.Arguments.Select(a => Gradient(backward, a)));
        writer.Line($"this.{call.Member}.Backward({string.Join(", ", gradients)});");
        if (index != 0)
        {
            writer.Line();
        }
    }

    /// <summary>The expression holding dL/d(value): the caller's buffers for the input and the result, else a field.</summary>
    private static string Gradient(BackwardInfo backward, int value)
    {
        if (value == 0)
        {
            return "inputGradient";
        }

        return value == backward.Graph.Result ? "outputGradient" : "this." + backward.GradientFields[value - 1];
    }

    private static string ValueName(ForwardGraph graph, int value) => value == 0 ? graph.Parameter : graph.Calls[value - 1].Name;

    private static int LastConsumer(ForwardGraph graph, int value)
    {
        int last = -1;
        for (int i = 0; i < graph.Calls.Length; i++)
        {
            if (graph.Calls[i].Arguments.Contains(value))
            {
                last = i;
            }
        }

        return last;
    }

    private static string EscapeXml(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");
}

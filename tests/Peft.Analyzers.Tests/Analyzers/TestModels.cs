namespace Peft.Analyzers.Tests.Analyzers;

/// <summary>The source every argument test starts from: one adapter layer in a partial model.</summary>
internal static class TestModels
{
    /// <summary>
    /// A model whose <c>Hidden</c> layer (784→256) carries <c>[<paramref name="attribute"/>]</c>;
    /// the attribute starts at line 5, column 6.
    /// </summary>
    public static string WithAdapter(string attribute) => $$"""
        using Peft;

        public sealed partial class Model : Module
        {
            [{{attribute}}]
            public Linear Hidden { get; } = new(784, 256);
        }
        """;
}

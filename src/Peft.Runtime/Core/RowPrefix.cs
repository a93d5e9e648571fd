namespace Peft;

/// <summary>Rows of an int tensor behind a constant prefix: masks and labels of the prompt-learning methods.</summary>
internal static class RowPrefix
{
    /// <summary>Each row of <paramref name="source"/> <c>[B, S]</c> into <paramref name="target"/> <c>[B, P + S]</c> after <c>P</c> copies of <paramref name="fill"/>.</summary>
    public static void Write(Tensor<int> source, Tensor<int> target, int prefix, int fill)
    {
        int batch = source.Size(0), sequence = source.Size(1);
        for (int row = 0; row < batch; row++)
        {
            var destination = target.Span.Slice(row * (prefix + sequence), prefix + sequence);
            destination[..prefix].Fill(fill);
            source.Span.Slice(row * sequence, sequence).CopyTo(destination[prefix..]);
        }
    }
}

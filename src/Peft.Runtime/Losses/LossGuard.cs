using System.Numerics;

namespace Peft;

/// <summary>
/// The losses' NaN policy: a loss that comes out NaN or infinite throws an
/// <see cref="ArgumentException"/> naming the first non-finite input element (by row and column when the row width is known) (or, when every input
/// is finite, saying that the loss overflowed) instead of letting a silent NaN reach the optimizer.
/// The check costs nothing while the loss is finite.
/// </summary>
internal static class LossGuard
{
    public static void ThrowIfNotFinite<T>(double loss, string owner, ReadOnlySpan<T> first, string firstName, ReadOnlySpan<T> second, string secondName, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (double.IsFinite(loss))
        {
            return;
        }

        string? where = Describe(first, firstName, columns) ?? Describe(second, secondName, columns);
        throw new ArgumentException(where is null
            ? FormattableString.Invariant($"{owner}: every input is finite but the loss is {loss} (overflow).")
            : FormattableString.Invariant($"{owner}: the loss is {loss} because {where}."));
    }

    private static string? Describe<T>(ReadOnlySpan<T> values, string name, int columns)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!T.IsFinite(values[i]))
            {
                return columns > 0
                    ? FormattableString.Invariant($"{name}[row {i / columns}, column {i % columns}] is {values[i]}")
                    : FormattableString.Invariant($"{name}[{i}] is {values[i]}");
            }
        }

        return null;
    }
}

using System.Text.RegularExpressions;

namespace Peft.IO;

/// <summary>
/// Matches module paths against regular expressions from adapter configs (<c>target_modules</c>,
/// <c>rank_pattern</c>, <c>alpha_pattern</c>). Patterns come from files, so a malformed one is an
/// <see cref="InvalidDataException"/> and matching has a time limit against catastrophic backtracking.
/// </summary>
internal static class PeftPattern
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    public static bool IsMatch(string modulePath, string regex, string configValue)
    {
        try
        {
            return Regex.IsMatch(modulePath, regex, RegexOptions.CultureInvariant, Timeout);
        }
        catch (RegexParseException exception)
        {
            throw new InvalidDataException($"adapter_config.json: pattern '{configValue}' is not a valid regular expression: {exception.Message}", exception);
        }
        catch (RegexMatchTimeoutException exception)
        {
            throw new InvalidDataException($"adapter_config.json: pattern '{configValue}' took too long to match '{modulePath}'.", exception);
        }
    }
}

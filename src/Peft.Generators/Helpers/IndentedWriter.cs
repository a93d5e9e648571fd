using System;
using System.Text;

namespace Peft.Generators.Helpers;

/// <summary>
/// Builds C# text line by line with four-space indentation; blocks open and close braces.
/// Lines are ended with '\n' on every platform so that output is byte-for-byte deterministic.
/// </summary>
internal sealed class IndentedWriter
{
    private const string IndentUnit = "    ";
    private readonly StringBuilder _builder = new();
    private int _depth;

    /// <summary>Writes one line at the current depth (an empty line carries no indentation).</summary>
    public IndentedWriter Line(string text = "")
    {
        if (text.Length != 0)
        {
            for (int i = 0; i < _depth; i++)
            {
                _builder.Append(IndentUnit);
            }

            _builder.Append(text);
        }

        _builder.Append('\n');
        return this;
    }

    /// <summary>Writes each line of a multi-line text at the current depth.</summary>
    public IndentedWriter Lines(string text)
    {
        foreach (string line in text.Split('\n'))
        {
            Line(line.TrimEnd('\r'));
        }

        return this;
    }

    /// <summary>Writes <paramref name="header"/> (when given) and <c>{</c>, and indents until the block is disposed.</summary>
    public Block OpenBlock(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _depth++;
        return new Block(this, "}");
    }

    /// <summary>Longest line a wrapped call or signature aims for (indentation included; generated lines stay under 200).</summary>
    private const int WrapWidth = 140;

    /// <summary>
    /// Writes <c>head(arguments)tail</c> on one line when it fits in <see cref="WrapWidth"/>, else <c>head(</c> and the
    /// arguments packed on indented lines, so that no generated line runs off the screen.
    /// </summary>
    public IndentedWriter Call(string head, System.Collections.Generic.IReadOnlyList<string> arguments, string tail = "")
    {
        string joined = string.Join(", ", arguments);
        if (_depth * 4 + head.Length + joined.Length + tail.Length + 2 <= WrapWidth)
        {
            return Line($"{head}({joined}){tail}");
        }

        Line(head + "(");
        _depth++;
        var line = new StringBuilder();
        for (int i = 0; i < arguments.Count; i++)
        {
            string item = arguments[i] + (i == arguments.Count - 1 ? ")" + tail : ",");
            if (line.Length != 0 && _depth * 4 + line.Length + 1 + item.Length > WrapWidth)
            {
                Line(line.ToString());
                line.Clear();
            }

            line.Append(line.Length == 0 ? item : " " + item);
        }

        Line(line.ToString());
        _depth--;
        return this;
    }

    /// <summary>
    /// Writes short statements side by side (<c>var acc0 = S.Zero; var acc1 = S.Zero;</c>), as many per line as fit in
    /// <see cref="WrapWidth"/>: the r statements of an unrolled rank read as a block instead of one endless line.
    /// </summary>
    public IndentedWriter Statements(System.Collections.Generic.IEnumerable<string> statements) =>
        Pack(statements, " ", "");

    /// <summary>
    /// Writes <c>head</c> followed by the terms joined by <paramref name="separator"/> (e.g. <c> + </c>), continuing on
    /// indented lines when they do not fit in <see cref="WrapWidth"/>, and <paramref name="tail"/> after the last term.
    /// </summary>
    public IndentedWriter Expression(string head, System.Collections.Generic.IReadOnlyList<string> terms, string separator, string tail)
    {
        var items = new System.Collections.Generic.List<string>(terms.Count);
        for (int i = 0; i < terms.Count; i++)
        {
            items.Add((i == 0 ? head : "") + terms[i] + (i == terms.Count - 1 ? tail : separator.TrimEnd()));
        }

        return Pack(items, " ", "    ");
    }

    private IndentedWriter Pack(System.Collections.Generic.IEnumerable<string> items, string gap, string continuation)
    {
        var line = new StringBuilder();
        foreach (string item in items)
        {
            if (line.Length != 0 && _depth * 4 + line.Length + gap.Length + item.Length > WrapWidth)
            {
                Line(line.ToString());
                line.Clear().Append(continuation).Append(item);
            }
            else
            {
                line.Append(line.Length == 0 ? item : gap + item);
            }
        }

        if (line.Length != 0)
        {
            Line(line.ToString());
        }

        return this;
    }

    /// <summary>A method signature by <see cref="Call"/>, then <c>{</c>: indents until the block is disposed.</summary>
    public Block OpenBlock(string head, System.Collections.Generic.IReadOnlyList<string> parameters)
    {
        Call(head, parameters);
        return OpenBlock();
    }

    /// <summary>Indents without braces until disposed.</summary>
    public Block Indent()
    {
        _depth++;
        return new Block(this, null);
    }

    public override string ToString() => _builder.ToString();

    /// <summary>Closes a block opened by <see cref="OpenBlock(string?)"/> or <see cref="Indent"/>.</summary>
    public readonly struct Block : IDisposable
    {
        private readonly IndentedWriter _writer;
        private readonly string? _closing;

        public Block(IndentedWriter writer, string? closing)
        {
            _writer = writer;
            _closing = closing;
        }

        public void Dispose()
        {
            _writer._depth--;
            if (_closing is not null)
            {
                _writer.Line(_closing);
            }
        }
    }
}

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

namespace Peft;

/// <summary>
/// PyTorch's CPU generator (<c>torch.Generator(device="cpu").manual_seed(seed)</c>): the 32-bit Mersenne Twister MT19937
/// seeded with the low 32 bits of the seed, and <c>Tensor.uniform_(from, to, generator=…)</c> on a float32 tensor, which
/// draws one 32-bit word per element, keeps its low 24 bits <c>u</c> and returns <c>(u·2⁻²⁴)·(to − from) + from</c>, computed in
/// double from the float bounds and rounded once to float (checked bit for bit against torch 1.13).
/// VeRA needs it bit for bit: PEFT draws the shared projections this way, and a file saved without them
/// (<c>save_projection: false</c>) is only usable when the same values come back from the key.
/// </summary>
internal sealed class TorchCpuGenerator
{
    private const int N = 624;
    private const int M = 397;
    private readonly uint[] _state = new uint[N];
    private int _index;

    public TorchCpuGenerator(long seed)
    {
        // init_genrand: s[0] = seed, s[i] = 1812433253·(s[i−1] ⊕ (s[i−1] >> 30)) + i (mod 2³²)
        _state[0] = unchecked((uint)seed);
        for (int i = 1; i < N; i++)
        {
            _state[i] = unchecked(1812433253u * (_state[i - 1] ^ (_state[i - 1] >> 30)) + (uint)i);
        }

        _index = N;
    }

    /// <summary>The next tempered 32-bit output.</summary>
    public uint NextUInt32()
    {
        if (_index >= N)
        {
            Twist();
        }

        uint y = _state[_index++];
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c5680u;
        y ^= (y << 15) & 0xefc60000u;
        y ^= y >> 18;
        return y;
    }

    /// <summary>Fills <paramref name="values"/> in order as <c>uniform_(from, to)</c> fills a float32 tensor.</summary>
    public void FillUniform(Span<float> values, double from, double to)
    {
        // torch casts the bounds to float first; its accumulation type for float on the CPU is double.
        double low = (float)from, high = (float)to;
        double range = high - low;
        for (int i = 0; i < values.Length; i++)
        {
            // x = (u & (2²⁴ − 1))·2⁻²⁴, then x·(to − from) + from in double, rounded once to float.
            double x = (NextUInt32() & 0xFFFFFFu) / 16777216.0;
            values[i] = (float)(x * range + low);
        }
    }

    private void Twist()
    {
        for (int i = 0; i < N; i++)
        {
            uint y = (_state[i] & 0x80000000u) | (_state[(i + 1) % N] & 0x7fffffffu);
            uint next = _state[(i + M) % N] ^ (y >> 1);
            _state[i] = (y & 1) != 0 ? next ^ 0x9908b0dfu : next;
        }

        _index = 0;
    }
}

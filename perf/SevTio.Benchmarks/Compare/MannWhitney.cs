namespace SevTio.Benchmarks.Compare;

/// <summary>
/// The Mann-Whitney U test (Wilcoxon rank-sum), one-sided: is sample Y stochastically greater than sample X?
/// Exact p-values for small samples without ties (the counting recurrence of Mann and Whitney, 1947), the normal
/// approximation with tie correction otherwise. Benchmarks give 3–20 samples per side, where the exact form matters.
/// </summary>
public static class MannWhitney
{
    private const int ExactLimit = 30;

    /// <summary>P(U ≥ observed) under H0 for U counting pairs with y &gt; x (ties count one half).</summary>
    public static double PValueGreater(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        int n = x.Count, m = y.Count;
        if (n == 0 || m == 0)
        {
            return 1.0;
        }

        var u = 0.0;
        var ties = false;
        foreach (var yi in y)
        {
            foreach (var xi in x)
            {
                if (yi > xi)
                {
                    u += 1;
                }
                else if (yi == xi)
                {
                    u += 0.5;
                    ties = true;
                }
            }
        }

        return !ties && n <= ExactLimit && m <= ExactLimit ? ExactUpperTail(n, m, (int)u) : NormalUpperTail(x, y, u);
    }

    // Number of arrangements with U = u for sizes (n, m): f(n, m, u) = f(n-1, m, u-m) + f(n, m-1, u).
    private static double ExactUpperTail(int n, int m, int u)
    {
        // Build f for sizes (i, j) incrementally over j, keeping all i.
        var f = new double[n + 1, m + 1][];
        for (var i = 0; i <= n; i++)
        {
            for (var j = 0; j <= m; j++)
            {
                var row = new double[(i * j) + 1];
                if (i == 0 || j == 0)
                {
                    row[0] = 1;
                }
                else
                {
                    var a = f[i - 1, j];
                    var b = f[i, j - 1];
                    for (var k = 0; k < row.Length; k++)
                    {
                        var v = k < b.Length ? b[k] : 0;
                        if (k - j >= 0 && k - j < a.Length)
                        {
                            v += a[k - j];
                        }

                        row[k] = v;
                    }
                }

                f[i, j] = row;
            }
        }

        var dist = f[n, m];
        double total = 0, tail = 0;
        for (var k = 0; k < dist.Length; k++)
        {
            total += dist[k];
            if (k >= u)
            {
                tail += dist[k];
            }
        }

        return tail / total;
    }

    private static double NormalUpperTail(IReadOnlyList<double> x, IReadOnlyList<double> y, double u)
    {
        int n = x.Count, m = y.Count, total = n + m;
        var all = x.Concat(y).OrderBy(v => v).ToArray();
        var tieTerm = 0.0;
        for (var i = 0; i < all.Length;)
        {
            var j = i;
            while (j < all.Length && all[j] == all[i])
            {
                j++;
            }

            double t = j - i;
            tieTerm += (t * t * t) - t;
            i = j;
        }

        var mean = n * m / 2.0;
        var variance = n * m / 12.0 * ((total + 1) - (tieTerm / (total * (total - 1.0))));
        if (variance <= 0)
        {
            return u > mean ? 0.0 : 1.0;
        }

        var z = (u - mean - 0.5) / Math.Sqrt(variance); // continuity correction
        return 0.5 * Erfc(z / Math.Sqrt(2));
    }

    // Complementary error function (Numerical Recipes erfcc, fractional error below 1.2e-7).
    private static double Erfc(double x)
    {
        var z = Math.Abs(x);
        var t = 1.0 / (1.0 + (0.5 * z));
        var poly = 0.17087277;
        foreach (var c in (ReadOnlySpan<double>)[-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368, -1.26551223])
        {
            poly = (poly * t) + c;
        }

        var r = t * Math.Exp((-z * z) + poly);
        return x >= 0 ? r : 2.0 - r;
    }
}

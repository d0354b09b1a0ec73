using System.Diagnostics;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace SevTio.Cli.Results;

/// <summary>Where a result came from: tool version, git commit, runtime and the CPU features the fast paths used.</summary>
public sealed record Provenance(string Version, string GitCommit, string Runtime, string Os, string Cpu, string[] CpuFeatures, int ProcessorCount)
{
    public static Provenance Capture()
    {
        var asm = typeof(Provenance).Assembly;
        var version = asm.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? asm.GetName().Version?.ToString() ?? "unknown";
        var features = new List<string>();
        void Add(bool supported, string name)
        {
            if (supported)
            {
                features.Add(name);
            }
        }

        Add(System.Runtime.Intrinsics.X86.Aes.IsSupported, "aes");
        Add(Pclmulqdq.IsSupported, "pclmulqdq");
        Add(Pclmulqdq.V256.IsSupported, "vpclmulqdq256");
        Add(Pclmulqdq.V512.IsSupported, "vpclmulqdq512");
        Add(Avx2.IsSupported, "avx2");
        Add(Avx512F.IsSupported, "avx512f");
        Add(Vector512.IsHardwareAccelerated, "vector512");
        Add(Gfni.IsSupported, "gfni");
        return new Provenance(
            version,
            ReadGitCommit(),
            RuntimeInformation.FrameworkDescription,
            RuntimeInformation.OSDescription,
            CpuModel(),
            [.. features],
            Environment.ProcessorCount);
    }

    private static string CpuModel()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (line.StartsWith("model name", StringComparison.Ordinal))
                {
                    return line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return RuntimeInformation.ProcessArchitecture.ToString();
    }

    private static string ReadGitCommit()
    {
        try
        {
            using var p = Process.Start(new ProcessStartInfo("git", "rev-parse --short=12 HEAD")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = AppContext.BaseDirectory,
            });
            if (p is null)
            {
                return "unknown";
            }

            var sha = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit(5_000);
            return p.ExitCode == 0 && sha.Length > 0 ? sha : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}

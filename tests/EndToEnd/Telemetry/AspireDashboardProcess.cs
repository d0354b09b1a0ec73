using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SevTio.EndToEnd.Tests.Telemetry;

/// <summary>
/// The Aspire Dashboard (an OTLP receiver with a JSON API) as a child process on 127.0.0.1 with free ports and
/// anonymous access. Its NativeAOT binary comes from the restore of <c>tools/AspireDashboard/AspireDashboard.csproj</c>
/// (a <c>PackageDownload</c> of <c>Aspire.Dashboard.Sdk.linux-x64</c>), found through that restore's package folders.
/// Disposing kills it.
/// </summary>
internal sealed partial class AspireDashboardProcess : IDisposable
{
    public const string PackageId = "Aspire.Dashboard.Sdk.linux-x64";

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly HttpClient _http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private AspireDashboardProcess(string binary)
    {
        var ui = FreePort();
        var grpc = FreePort();
        var otlp = FreePort();
        Api = new Uri($"http://127.0.0.1:{ui}/");
        OtlpHttp = new Uri($"http://127.0.0.1:{otlp}");
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(binary)!,
        };
        start.Environment["ASPNETCORE_URLS"] = Api.ToString().TrimEnd('/');
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = OtlpHttp.ToString().TrimEnd('/');
        start.Environment["ASPIRE_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        start.Environment["DOTNET_DASHBOARD_UNSECURED_ALLOW_ANONYMOUS"] = "true";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Log(e.Data);
        _process.ErrorDataReceived += (_, e) => Log(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The dashboard's HTTP base (UI and <c>/api/telemetry/*</c>).</summary>
    public Uri Api { get; }

    /// <summary>The OTLP/HTTP receiver's base URL (what <c>sevtio run --otlp</c> takes).</summary>
    public Uri OtlpHttp { get; }

    public string Output
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>Starts the dashboard and waits until its API answers (or fails the test with its output).</summary>
    public static async Task<AspireDashboardProcess> StartAsync(TimeSpan timeout)
    {
        var dashboard = new AspireDashboardProcess(LocateBinary());
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (dashboard._process.HasExited)
            {
                var output = dashboard.Output;
                var code = dashboard._process.ExitCode;
                dashboard.Dispose();
                Assert.Fail($"The Aspire Dashboard exited at start (code {code}):\n{output}");
            }

            try
            {
                using var response = await dashboard._http.GetAsync(new Uri(dashboard.Api, "api/telemetry/traces"));
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return dashboard;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                var output = dashboard.Output;
                dashboard.Dispose();
                Assert.Fail($"The Aspire Dashboard did not answer on {dashboard.Api} within {timeout.TotalSeconds:0} s:\n{output}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary><c>GET /api/telemetry/traces</c>: OTLP JSON (<c>data.resourceSpans[].scopeSpans[].spans[]</c>).</summary>
    public async Task<JsonDocument> GetTracesAsync()
    {
        var text = await _http.GetStringAsync(new Uri(Api, "api/telemetry/traces"));
        return JsonDocument.Parse(text);
    }

    /// <summary>
    /// The dashboard binary in the NuGet package folder the restore of tools/AspireDashboard used. A missing binary
    /// fails the test (never skips it) and says how to restore it.
    /// </summary>
    public static string LocateBinary()
    {
        var root = RepositoryRoot();
        var project = Path.Combine(root, "tools", "AspireDashboard", "AspireDashboard.csproj");
        var version = VersionPattern().Match(File.ReadAllText(project)) is { Success: true } m
            ? m.Groups[1].Value
            : throw new InvalidOperationException($"{project} has no PackageDownload of {PackageId} with an exact version");

        var folders = new List<string>();
        var assets = Path.Combine(root, "tools", "AspireDashboard", "obj", "project.assets.json");
        if (File.Exists(assets))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(assets));
            if (doc.RootElement.TryGetProperty("packageFolders", out var packageFolders))
            {
                folders.AddRange(packageFolders.EnumerateObject().Select(p => p.Name));
            }
        }

        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } env)
        {
            folders.Add(env);
        }

        folders.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        var candidates = folders.Select(f => Path.Combine(f, PackageId.ToLowerInvariant(), version, "tools", "Aspire.Dashboard")).ToList();
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"The Aspire Dashboard {version} is not installed (looked for {string.Join(", ", candidates)}). " +
                $"Restore it with `dotnet restore tools/AspireDashboard/AspireDashboard.csproj` (restoring tests/EndToEnd, which references it, does the same).");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SevTio.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"no SevTio.sln above {AppContext.BaseDirectory}");
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
        _http.Dispose();
    }

    private void Log(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    [GeneratedRegex("Include=\"Aspire\\.Dashboard\\.Sdk\\.linux-x64\"\\s+Version=\"\\[([^\\]]+)\\]\"")]
    private static partial Regex VersionPattern();
}

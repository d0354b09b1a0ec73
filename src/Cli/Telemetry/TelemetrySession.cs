using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using SevTio.Hw.Simulation;

namespace SevTio.Cli.Telemetry;

/// <summary>
/// The CLI's OpenTelemetry SDK wiring: the libraries only publish through <c>System.Diagnostics</c> meters and
/// activity sources named <c>SevTio.*</c>; this session listens to them and exports to the console and/or OTLP.
/// Disposing flushes everything, so a short run still delivers its data.
/// </summary>
/// <remarks>
/// Spans are exported from <see cref="Observe"/> on, and only those started on the thread that called it (the run's
/// simulation thread): the runner's warm-up on a scratch platform comes before and stays out of the trace.
/// </remarks>
public sealed class TelemetrySession : IDisposable
{
    public const string ServiceName = "sevtio";

    private readonly MeterProvider? _meters;
    private readonly TracerProvider? _tracer;
    private readonly RunThreadSampler _sampler = new();

    public TelemetrySession(bool consoleMetrics, Uri? otlp)
    {
        if (!consoleMetrics && otlp is null)
        {
            return;
        }

        var resource = ResourceBuilder.CreateEmpty().AddService(ServiceName, serviceVersion: typeof(TelemetrySession).Assembly.GetName().Version?.ToString());
        var meters = Sdk.CreateMeterProviderBuilder().SetResourceBuilder(resource).AddMeter("SevTio.*");
        if (consoleMetrics)
        {
            meters.AddConsoleExporter((exporter, reader) =>
            {
                exporter.Targets = ConsoleExporterOutputTargets.Console;
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue;
            });
        }

        if (otlp is not null)
        {
            meters.AddOtlpExporter((exporter, reader) =>
            {
                exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                exporter.Endpoint = Signal(otlp, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = int.MaxValue;
            });
            _tracer = Sdk.CreateTracerProviderBuilder()
                .SetResourceBuilder(resource)
                .AddSource("SevTio.*")
                .SetSampler(_sampler)
                .AddOtlpExporter(exporter =>
                {
                    exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
                    exporter.Endpoint = Signal(otlp, "v1/traces");
                })
                .Build();
        }

        _meters = meters.Build();
    }

    /// <summary>Starts exporting the spans of the calling thread (the run's simulation thread, once its platform exists).</summary>
    public void Observe() => Volatile.Write(ref _sampler.ThreadId, Environment.CurrentManagedThreadId);

    /// <summary>Parses the <c>--otlp</c> value: an http(s) base URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318).</summary>
    public static Uri ParseOtlp(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ParameterException("--otlp", text, "is not an http(s) URL of an OTLP/HTTP receiver (e.g. http://127.0.0.1:4318)");
        }

        return uri;
    }

    // Programmatic OTLP/HTTP endpoints must name the signal's path; a base URL gets it appended (as the env var does).
    private static Uri Signal(Uri baseUri, string path) =>
        baseUri.AbsolutePath.Trim('/').Length == 0 ? new Uri(baseUri, path) : baseUri;

    public void Dispose()
    {
        _tracer?.ForceFlush();
        _meters?.ForceFlush();
        _tracer?.Dispose();
        _meters?.Dispose();
    }

    private sealed class RunThreadSampler : Sampler
    {
        public int ThreadId = -1;

        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            new(Volatile.Read(ref ThreadId) == Environment.CurrentManagedThreadId ? SamplingDecision.RecordAndSample : SamplingDecision.Drop);
    }
}

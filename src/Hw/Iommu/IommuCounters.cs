using System.Diagnostics.Metrics;
using SevTio.Hw.Simulation;

namespace SevTio.Hw.Iommu;

/// <summary>
/// Plain-field counters of the IOMMU, incremented on the translation path without any telemetry call; publish them with
/// <see cref="CreateInstruments"/>.
/// </summary>
public sealed class IommuCounters
{
    /// <summary>The meter name the IOMMU's instruments belong under.</summary>
    public const string MeterName = "SevTio.Iommu";

    internal long _translations;
    internal long _trustedTranslations;
    internal long _iotlbHits;
    internal long _iotlbMisses;
    internal long _walks;
    internal long _walkReads;
    internal long _walkPicoseconds;
    internal long _deviceTableReads;
    internal long _ioPageFaults;
    internal long _rmpPageFaults;
    internal long _invalidDeviceRequests;
    internal long _illegalDeviceTableEntries;
    internal long _eventsLogged;
    internal long _eventsDropped;

    public long Translations => Volatile.Read(ref _translations);

    /// <summary>Translations of T=1 requests (through the secure device table).</summary>
    public long TrustedTranslations => Volatile.Read(ref _trustedTranslations);

    public long IotlbHits => Volatile.Read(ref _iotlbHits);

    public long IotlbMisses => Volatile.Read(ref _iotlbMisses);

    /// <summary>Page-table walks (host I/O tables and trusted nested walks).</summary>
    public long Walks => Volatile.Read(ref _walks);

    /// <summary>Timed 8-byte memory reads of page-table entries.</summary>
    public long WalkReads => Volatile.Read(ref _walkReads);

    /// <summary>Simulated time spent walking, summed.</summary>
    public SimTime WalkTime => SimTime.FromPicoseconds(Volatile.Read(ref _walkPicoseconds));

    /// <summary>Device-table and secure-device-table entry fetches (cache misses).</summary>
    public long DeviceTableReads => Volatile.Read(ref _deviceTableReads);

    public long IoPageFaults => Volatile.Read(ref _ioPageFaults);

    public long RmpPageFaults => Volatile.Read(ref _rmpPageFaults);

    public long InvalidDeviceRequests => Volatile.Read(ref _invalidDeviceRequests);

    public long IllegalDeviceTableEntries => Volatile.Read(ref _illegalDeviceTableEntries);

    /// <summary>All refused requests.</summary>
    public long Faults => IoPageFaults + RmpPageFaults + InvalidDeviceRequests + IllegalDeviceTableEntries;

    public long EventsLogged => Volatile.Read(ref _eventsLogged);

    /// <summary>Events lost because the event log was full.</summary>
    public long EventsDropped => Volatile.Read(ref _eventsDropped);

    /// <summary>
    /// Creates observable instruments on <paramref name="meter"/> (normally <c>new Meter(IommuCounters.MeterName)</c>):
    /// <c>sevtio.iommu.translations</c>, <c>sevtio.iommu.iotlb.hits</c>, <c>sevtio.iommu.iotlb.misses</c>,
    /// <c>sevtio.iommu.walks</c>, <c>sevtio.iommu.walk.time</c> (s), <c>sevtio.iommu.faults</c> (tag <c>type</c>),
    /// <c>sevtio.iommu.events.dropped</c>.
    /// </summary>
    public void CreateInstruments(Meter meter)
    {
        ArgumentNullException.ThrowIfNull(meter);
        meter.CreateObservableCounter("sevtio.iommu.translations", () => Translations, "{translation}", "DMA requests translated and checked");
        meter.CreateObservableCounter("sevtio.iommu.iotlb.hits", () => IotlbHits, "{hit}", "IOTLB hits");
        meter.CreateObservableCounter("sevtio.iommu.iotlb.misses", () => IotlbMisses, "{miss}", "IOTLB misses");
        meter.CreateObservableCounter("sevtio.iommu.walks", () => Walks, "{walk}", "Page-table walks");
        meter.CreateObservableCounter("sevtio.iommu.walk.time", () => WalkTime.TotalSeconds, "s", "Simulated time spent in page-table walks");
        meter.CreateObservableCounter(
            "sevtio.iommu.faults",
            () => new[]
            {
                new Measurement<long>(IoPageFaults, new KeyValuePair<string, object?>("type", "io_page_fault")),
                new Measurement<long>(RmpPageFaults, new KeyValuePair<string, object?>("type", "rmp_page_fault")),
                new Measurement<long>(InvalidDeviceRequests, new KeyValuePair<string, object?>("type", "invalid_device_request")),
                new Measurement<long>(IllegalDeviceTableEntries, new KeyValuePair<string, object?>("type", "illegal_dev_table_entry")),
            },
            "{fault}",
            "Requests the IOMMU refused, by event type");
        meter.CreateObservableCounter("sevtio.iommu.events.dropped", () => EventsDropped, "{event}", "Events lost to a full event log");
    }
}

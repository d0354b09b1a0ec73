using System.Diagnostics.Metrics;
using SevTio.Hw.Iommu;
using SevTio.Hw.Rmp;

namespace SevTio.Hw.Tests.Iommu;

public sealed class IommuTelemetryTests
{
    [Fact]
    public void Instruments_PublishThePlainFieldCounters()
    {
        using var p = new IommuPlatform();
        var root = p.Tables.CreateRoot();
        p.Iommu.WriteDeviceTableEntry(0x0100, DeviceTableEntry.Translated(1, root));
        p.Tables.Map(root, 0x1000, 0x0600_0000);
        p.Iommu.Translate(DmaRequest.Read(0x0100, 0x1000, 8)); // miss
        p.Iommu.Translate(DmaRequest.Read(0x0100, 0x1008, 8)); // hit
        p.Iommu.Translate(DmaRequest.Read(0x0100, 0x9000, 8)); // IO_PAGE_FAULT
        Assert.Equal(RmpStatus.Success, p.Rmp.RmpUpdate(0x0600_0000, RmpUpdateState.Firmware()));
        p.Iommu.Translate(DmaRequest.Read(0x0100, 0x1000, 8)); // IOTLB hit, then RMP_PAGE_FAULT

        // Unique meter names keep parallel tests apart; the CLI uses IommuCounters.MeterName / RmpCounters.MeterName.
        using var iommuMeter = new Meter($"{IommuCounters.MeterName}.Test.{Guid.NewGuid():N}");
        using var rmpMeter = new Meter($"{RmpCounters.MeterName}.Test.{Guid.NewGuid():N}");
        p.Iommu.Counters.CreateInstruments(iommuMeter);
        p.Rmp.Counters.CreateInstruments(rmpMeter);
        var values = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter == iommuMeter || instrument.Meter == rmpMeter)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name;
            foreach (var tag in tags)
            {
                key += $"[{tag.Value}]";
            }

            values[key] = value;
        });
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(4, values["sevtio.iommu.translations"]);
        Assert.Equal(2, values["sevtio.iommu.iotlb.hits"]);
        Assert.Equal(2, values["sevtio.iommu.iotlb.misses"]);
        Assert.Equal(1, values["sevtio.iommu.faults[io_page_fault]"]);
        Assert.Equal(1, values["sevtio.iommu.faults[rmp_page_fault]"]);
        Assert.Equal(1, values["sevtio.rmp.check.violations"]);
        Assert.Equal(p.Rmp.Counters.Checks, values["sevtio.rmp.checks"]);
    }
}

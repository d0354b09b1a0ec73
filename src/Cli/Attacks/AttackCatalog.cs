namespace SevTio.Cli.Attacks;

/// <summary>Every attack of issue 10's suite, by stable name, in the order.</summary>
public static class AttackCatalog
{
    private static readonly Lazy<IReadOnlyList<Attack>> s_all = new(Create);

    public static IReadOnlyList<Attack> All => s_all.Value;

    public static Attack? Find(string name)
    {
        foreach (var attack in All)
        {
            if (string.Equals(attack.Name, name, StringComparison.Ordinal))
            {
                return attack;
            }
        }

        return null;
    }

    private static List<Attack> Create() =>
    [
        new IdeLinkAttack("ide-bitflip-payload", 1, IdeTamper.PayloadBit, "A bit of an IDE TLP's encrypted payload flipped on the link."),
        new IdeLinkAttack("ide-bitflip-header", 1, IdeTamper.HeaderBit, "Address bit 12 of an IDE TLP's header flipped on the link (redirect to the next page)."),
        new IdeLinkAttack("ide-bitflip-prefix", 1, IdeTamper.PrefixBit, "The T bit of an IDE TLP's prefix flipped on the link."),
        new IdeLinkAttack("ide-bitflip-mac", 1, IdeTamper.MacBit, "A bit of an IDE TLP's MAC flipped on the link."),
        new IdeLinkAttack("ide-bitflip-aggregated", 1, IdeTamper.AggregatedPayloadBit, "A payload bit of the second TLP of a 4-TLP MAC unit (aggregation, PCRC) flipped: the whole unit must be dropped."),
        new TrustFlowIdeAttack(),
        new IdeLinkAttack("ide-replay", 2, IdeTamper.Replay, "An accepted IDE TLP delivered again after a newer write to the same address."),
        new IdeLinkAttack("ide-drop", 3, IdeTamper.Drop, "One IDE TLP dropped on the link, the next one delivered."),
        new IdeLinkAttack("ide-reorder", 4, IdeTamper.Reorder, "Two posted IDE TLPs of one sub-stream delivered in swapped order."),
        new IdeLinkAttack("ide-reorder-passing", 4, IdeTamper.ReadPassesWrite, "A posted write held back so the read the device issued after it arrives first (across sub-streams)."),
        new IdeLinkAttack("ide-stale-keyset", 5, IdeTamper.StaleKeySet, "After key refresh to K1, a withheld TLP sealed under the retired K0 delivered."),
        new DmaAttack("dma-t1-without-sdte", 6, AttackParty.Iommu, DmaMisuse.TeeWithoutSdte, "The device issues T=1 DMA before the PSP wrote its sDTE."),
        new DmaAttack("dma-t1-unbound-device", 6, AttackParty.Iommu, DmaMisuse.TeeFromUnboundDevice, "A second device, connected but bound to no guest, issues T=1 DMA at a private page."),
        new DmaAttack("dma-t1-spoofed-rid", 6, AttackParty.Iommu, DmaMisuse.TeeWithSpoofedRequester, "A second, unbound device issues T=1 DMA on its own IDE stream under the bound device's requester id."),
        new DmaAttack("dma-t0-private-page", 7, AttackParty.Rmp, DmaMisuse.NonTeeToPrivatePage, "T=0 DMA aimed at a guest-private page."),
        new DmaAttack("dma-t0-read-private", 7, AttackParty.Rmp, DmaMisuse.NonTeeReadOfPrivatePage, "A T=0 DMA read of a guest-private page (its completion must carry no data)."),
        new DmaAttack("dma-above-vtom", 8, AttackParty.Rmp, DmaMisuse.AboveVTomToPrivatePage, "T=1 DMA above vTOM (the shared alias) into a private page."),
        new DmaAttack("dma-other-guest", 8, AttackParty.Rmp, DmaMisuse.OtherGuestsPage, "T=1 DMA below vTOM at a GPA the host mapped onto another guest's page."),
        new DmaAttack("dma-unvalidated-page", 9, AttackParty.Rmp, DmaMisuse.UnvalidatedPage, "T=1 DMA into a page assigned to the guest but never validated."),
        new DmaAttack("dma-gpa-mismatch", 9, AttackParty.Rmp, DmaMisuse.GpaMismatch, "T=1 DMA into a guest page through a GPA other than the one it was validated at."),
        new SpdmTamperAttack(),
        new SpdmReplayAttack(),
        new ReportAttack("report-modified", ReportForgery.Modified, "The hypervisor hands the guest a modified interface report."),
        new ReportAttack("report-stale", ReportForgery.Stale, "The hypervisor hands the guest the report of an earlier binding (before it moved a BAR)."),
        new ReportAttack("report-foreign-certs", ReportForgery.ForeignCertificates, "The hypervisor hands the guest another device's certificate chain."),
        new GuestMessageAttack("guest-msg-replay", replayRequest: true, "The hypervisor replays the guest's previous SNP guest request to the PSP."),
        new GuestMessageAttack("guest-msg-reorder", replayRequest: false, "The hypervisor hands the guest the PSP's responses out of order (the previous one instead of the current)."),
        new MmioValidateAttack("mmio-validate-outside-report", MmioMisuse.NotInReport, "MMIO_VALIDATE of a range that is not a TEE range of the report."),
        new MmioValidateAttack("mmio-validate-not-assigned", MmioMisuse.NotAssigned, "MMIO_VALIDATE of a range with a page the host took back from the guest."),
        new MmioValidateAttack("mmio-validate-not-uniform", MmioMisuse.NotUniform, "MMIO_VALIDATE of a range whose pages are not uniformly validated, without force."),
        new ConfigWriteAttack("config-write-bar", ConfigTarget.Bar, "The host rewrites a BAR of the device while its TDI runs."),
        new ConfigWriteAttack("config-write-bme", ConfigTarget.BusMasterEnable, "The host clears Bus Master Enable while the TDI runs."),
        new ConfigWriteAttack("config-write-ide", ConfigTarget.IdeStreamControl, "The host clears Enable of the bound IDE stream in the device's IDE capability while the TDI runs."),
        new TrustFlowConfigWriteAttack(),
        new IdeKeySearchAttack("ide-key-search-connect", afterRefresh: false, "The host searches every buffer it can read for the IDE keys after DEV_CONNECT."),
        new IdeKeySearchAttack("ide-key-search-refresh", afterRefresh: true, "The host searches every buffer it can read for the new IDE keys after TIO_ROLL_KEY."),
        new HostReadsPrivateAttack(),
    ];
}

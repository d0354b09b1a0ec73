using CsCheck;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Tsm;
using SevTio.Security.Tests.Fuzzing.Harness;

namespace SevTio.Security.Tests.Fuzzing.Codecs;

/// <summary>
/// Valid PSP SEV-TIO mailbox structures (SEV-TIO firmware interface, spec 58271): the 20 TIO command buffers, the
/// firmware's output structures, scatter-list addresses and scatter pages, and SLA buffers holding SPDM and device data
/// objects. Random field values within each field's rules (reserved fields zero, flags inside their defined bits).
/// </summary>
internal static class PspGen
{
    public static readonly Gen<ScatterListAddress> Sla = Gen.Frequency(
        (6, (IGen<ScatterListAddress>)Gen.Select(Gen.ULong[0, ScatterListAddress.MaxPfn], Gen.Bool, (pfn, large) => ScatterListAddress.Data(pfn, large ? SlaPageSize.Size2M : SlaPageSize.Size4K))),
        (3, Gen.ULong[0, ScatterListAddress.MaxPfn].Select(ScatterListAddress.Scatter)),
        (1, Gen.Const(ScatterListAddress.Null)));

    public static readonly Gen<SpdmControl> Control = Gen.Select(Sla, Sla, Sla, Sla, (a, b, c, d) => new SpdmControl(a, b, c, d));

    public static readonly Gen<TdispInterfaceId> InterfaceId = IdeKmTdispGen.InterfaceId;

    public static readonly Gen<TdispLockFlags> LockFlags = Gen.UShort.Select(f => (TdispLockFlags)(f & TdispLockFlagBits.Defined));

    public static readonly Gen<Sha384Digest> Digest = FuzzGen.Bytes(48).Select(b => Sha384Digest.FromBytes(b));

    public static readonly Gen<TioSpdmAlgorithms> Algorithms = Gen.Select(Gen.Byte[0, 1], Gen.Byte[0, 1], Gen.Byte[0, 2], Gen.Byte[0, 1], (d, a, s, h) =>
        new TioSpdmAlgorithms((TioDheAlgorithm)d, (TioAeadAlgorithm)a, (TioAsymAlgorithm)s, (TioHashAlgorithm)h, TioKeySchedule.Spdm));

    private static readonly Codec s_tsmStatus = new("TSM.tsm_tdi_status", b =>
    {
        var value = TsmTdiStatus.Decode(b);
        var bytes = new byte[TsmTdiStatus.Size];
        value.Encode(bytes);
        return bytes;
    }, RoundTrip.Exact);

    public static readonly Gen<CodecSample> Commands = FuzzGen.Any(
        FuzzGen.U64.Select(a => Command(new TioStatusCommand(a))),
        Gen.Const(0).Select(_ => Command(default(TioInitCommand))),
        Gen.Select(Sla, FuzzGen.U16, FuzzGen.U16, FuzzGen.U8, (c, d, r, s) => Command(new TioDevCreateCommand(c, d, r, s))),
        Sla.Select(c => Command(new TioDevReclaimCommand(c))),
        Gen.Select(Control, Sla, FuzzGen.U8, FuzzGen.U8, FuzzGen.Bytes(8), (ctl, c, tc, slot, ids) => Command(new TioDevConnectCommand(ctl, c, tc, slot, IdeStreamIds.FromBytes(ids)))),
        Gen.Select(Gen.Bool, Control, Sla, (f, ctl, c) => Command(new TioDevDisconnectCommand(f ? TioDevDisconnectFlags.Force : 0, ctl, c))),
        Gen.Select(Sla, FuzzGen.U64, (c, a) => Command(new TioDevStatusCommand(c, a))),
        Gen.Select(Gen.Bool, Control, Sla, FuzzGen.Bytes(32), (f, ctl, c, n) => Command(new TioDevMeasurementsCommand(f ? TioDevMeasurementsFlags.RawBitstream : 0, ctl, c, MeasurementNonce.FromBytes(n)))),
        Gen.Select(Control, Sla, (ctl, c) => Command(new TioDevCertificatesCommand(ctl, c))),
        Gen.Select(Sla, Sla, InterfaceId, (c, t, id) => Command(new TioTdiCreateCommand(c, t, id))),
        Gen.Select(Sla, Sla, (c, t) => Command(new TioTdiReclaimCommand(c, t))),
        Gen.Select(Control, Sla, Sla, FuzzGen.U64, FuzzGen.U16, LockFlags, Gen.Bool, (ctl, c, t, g, gid, l, run) =>
            Command(new TioTdiBindCommand(ctl, c, t, g, gid, l, run ? TioTdiRunFlags.RunForce : 0))),
        Gen.Select(Gen.Bool, Control, Sla, Sla, FuzzGen.U64, (f, ctl, c, t, g) => Command(new TioTdiUnbindCommand(f ? TioTdiUnbindFlags.Force : 0, ctl, c, t, g))),
        Gen.Select(Control, Sla, Sla, FuzzGen.U64, (ctl, c, t, g) => Command(new TioTdiReportCommand(ctl, c, t, g))),
        Gen.Select(Control, Sla, Sla, FuzzGen.U64, (ctl, c, t, a) => Command(new TioTdiStatusCommand(ctl, c, t, a))),
        Gen.Select(Control, Sla, Sla, FuzzGen.U64, FuzzGen.U64, FuzzGen.U64, (ctl, c, t, g, rq, rs) => Command(new TioGuestRequestCommand(ctl, c, t, g, rq, rs))),
        Gen.Select(Sla, FuzzGen.U64, (c, g) => Command(new TioAsidFenceClearCommand(c, g))),
        Gen.Select(Sla, FuzzGen.U32, FuzzGen.U64, (c, asid, a) => Command(new TioAsidFenceStatusCommand(c, asid, a))),
        Gen.Select(Sla, Sla, FuzzGen.U64, (c, t, a) => Command(new TioTdiInfoCommand(c, t, a))),
        Gen.Select(Control, Sla, (ctl, c) => Command(new TioRollKeyCommand(ctl, c))));

    public static readonly Gen<CodecSample> Outputs = FuzzGen.Any(
        Gen.Select(Gen.UInt[0, 3], FuzzGen.U32.Array[11], (flags, v) =>
            Output(new TioStatus((TioStatusFlags)flags, v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10]))),
        Gen.Select(FuzzGen.U8, Gen.Byte[0, 3], FuzzGen.U8, FuzzGen.U16, FuzzGen.U8, FuzzGen.U8, FuzzGen.U16, InterfaceId)
            .SelectMany((state, p1, slot, device, segment, tc, pending, pendingId) =>
                Gen.Select(Gen.Byte[0, 3], FuzzGen.Bytes(8), Digest, Digest, FuzzGen.U32, FuzzGen.U32, Algorithms, (p2, ids, certs, meas, tdis, bound, algos) =>
                    Output(new TioDeviceStatus(state, (TioDeviceStatusP1Flags)p1, slot, device, segment, tc, pending, pendingId, (TioDeviceStatusP2Flags)p2,
                        IdeStreamIds.FromBytes(ids), certs, meas, tdis, bound, algos)))),
        Gen.Select(InterfaceId, Gen.UInt[0, 3], Gen.Byte[0, 3], LockFlags, Algorithms, Digest, Digest, Digest)
            .SelectMany((id, meas, status, locks, algos, certs, measDigest, report) =>
                Gen.Select(FuzzGen.U64, FuzzGen.U32, (counter, asid) =>
                    Output(new TioTdiInfo(id, (TioMeasurementFlags)meas, status, locks, algos, certs, measDigest, report, counter, asid)))),
        Gen.Byte[0, 3].Select(s => Output(new TioTdiStatus((TsmTdispState)s))),
        Gen.Select(Gen.Byte[0, 3], Gen.Byte[0, 3], (d, m) => Output(new AsidFenceStatus((DmaFenceStatus)d, (MmioFenceStatus)m))),
        Gen.Select(Gen.Byte[0, 2], Gen.Byte[0, 3], Gen.Byte[0, 15], Gen.Bool, Digest, FuzzGen.U64, InterfaceId, (status, state, bits, large, digest, counter, id) =>
        {
            var value = new TsmTdiStatus((TdiBindStatus)status, (TsmTdispState)state, (bits & 1) != 0, (bits & 2) != 0, (bits & 4) != 0, (bits & 8) != 0,
                large ? TsmConstants.CacheLine128 : TsmConstants.CacheLine64, digest, counter, id);
            var bytes = new byte[TsmTdiStatus.Size];
            value.Encode(bytes);
            return new CodecSample(s_tsmStatus, bytes);
        }));

    public static readonly Codec SlaValue = new("PSP.SLA", b =>
    {
        var reader = new SevTio.Protocols.Wire.WireReader(b, "PSP.SLA");
        var sla = ScatterListAddress.Read(ref reader, "sla");
        reader.ExpectEnd();
        var bytes = new byte[ScatterListAddress.Size];
        var writer = new SevTio.Protocols.Wire.WireWriter(bytes);
        sla.Write(ref writer);
        return bytes;
    }, RoundTrip.Exact);

    public static readonly Codec ScatterPageCodec = new("PSP.SCATTER_PAGE", b =>
    {
        var entries = ScatterPage.Decode(b);
        Span<ScatterListAddress> again = stackalloc ScatterListAddress[ScatterPage.SlotCount];
        if (ScatterPage.Decode(b, again) != entries.Length || !again[..entries.Length].SequenceEqual(entries))
        {
            throw new FuzzOracleException("the two scatter page decoders disagree");
        }

        var page = new byte[ScatterPage.PageSize];
        ScatterPage.Encode(entries, page);
        return page;
    });

    /// <summary>An SLA outside a scatter page (never EOL), or a scatter page of 1-511 data SLAs (short lists more often).</summary>
    public static readonly Gen<CodecSample> SlaSamples = FuzzGen.Any(
        Sla.Select(s =>
        {
            var bytes = new byte[8];
            var writer = new SevTio.Protocols.Wire.WireWriter(bytes);
            s.Write(ref writer);
            return new CodecSample(SlaValue, bytes);
        }),
        Gen.Frequency((6, (IGen<int>)Gen.Int[1, 8]), (1, Gen.Int[9, ScatterPage.MaxDataPages])).SelectMany(n =>
            Gen.ULong[0, ScatterListAddress.MaxPfn].Array[n].Select(pfns =>
            {
                var page = new byte[ScatterPage.PageSize];
                ScatterPage.Encode(pfns.Select(p => ScatterListAddress.Data(p)).ToArray(), page);
                return new CodecSample(ScatterPageCodec, page);
            })));

    private static readonly Codec[] s_dataObjectCodecs =
    [
        SpdmObject(DataObjectId.Request),
        SpdmObject(DataObjectId.Response),
        DeviceObject(DataObjectId.Certificate),
        DeviceObject(DataObjectId.Measurement),
        DeviceObject(DataObjectId.Report),
    ];

    /// <summary>SLA buffers with an SPDM request or response object, or a certificate/measurement/report object, and spare capacity.</summary>
    public static readonly Gen<CodecSample> DataObjects =
        Gen.Select(Gen.Int[0, 4], FuzzGen.Bytes(0, 160), Gen.Bool, FuzzGen.U16, FuzzGen.U8, Gen.Bool, Gen.Int[0, 2])
        .Select((kind, data, secured, device, segment, log, spare) =>
        {
            var codec = s_dataObjectCodecs[kind];
            var id = (DataObjectId)(kind switch { 0 => 1, 1 => 2, 2 => 4, 3 => 5, _ => 6 });
            var header = kind < 2 ? 16 : 32;
            var buffer = new byte[SlaBufferHeader.Size + SlaBufferHeader.AlignPayload((uint)(header + data.Length)) + (32 * spare)];
            var type = secured ? SpdmDataType.SecuredSpdm : SpdmDataType.Spdm;
            _ = kind switch
            {
                0 => SlaBuffer.WriteSpdmRequest(buffer, type, data),
                1 => SlaBuffer.WriteSpdmResponse(buffer, type, data),
                _ => SlaBuffer.WriteDeviceObject(buffer, id, id == DataObjectId.Measurement && log ? DeviceObjectType.MeasurementLog : DeviceObjectType.Primary, device, segment, data),
            };
            return new CodecSample(codec, buffer);
        });

    private static CodecSample Command<T>(T value)
        where T : struct, IPspCommandBuffer<T>
    {
        var bytes = new byte[T.EncodedSize];
        value.Encode(bytes);
        return new CodecSample(CommandCodec<T>.Instance, bytes);
    }

    private static CodecSample Output<T>(T value)
        where T : struct, IPspOutputStructure<T>
    {
        var bytes = new byte[T.EncodedSize];
        value.Encode(bytes);
        return new CodecSample(OutputCodec<T>.Instance, bytes);
    }

    private static Codec SpdmObject(DataObjectId id) => new($"PSP.SLA_BUFFER {id}", b =>
    {
        var o = SlaBuffer.ReadSpdm(b, id);
        var buffer = new byte[b.Length];
        _ = id == DataObjectId.Request ? SlaBuffer.WriteSpdmRequest(buffer, o.DataType, o.Message) : SlaBuffer.WriteSpdmResponse(buffer, o.DataType, o.Message);
        return buffer;
    });

    private static Codec DeviceObject(DataObjectId id) => new($"PSP.SLA_BUFFER {id}", b =>
    {
        var o = SlaBuffer.ReadDeviceObject(b, id);
        var buffer = new byte[b.Length];
        SlaBuffer.WriteDeviceObject(buffer, id, o.Type, o.DeviceId, o.Segment, o.Data);
        return buffer;
    });

    /// <summary>A command buffer codec: decode (which reads the length field and exactly the structure), encode.</summary>
    private static class CommandCodec<T>
        where T : struct, IPspCommandBuffer<T>
    {
        public static readonly Codec Instance = new($"PSP.{T.CommandId}", b =>
        {
            var value = T.Decode(b);
            var bytes = new byte[T.EncodedSize];
            value.Encode(bytes);
            return bytes;
        }, RoundTrip.ExactPrefix);
    }

    private static class OutputCodec<T>
        where T : struct, IPspOutputStructure<T>
    {
        public static readonly Codec Instance = new($"PSP.{typeof(T).Name}", b =>
        {
            var value = T.Decode(b);
            var bytes = new byte[T.EncodedSize];
            value.Encode(bytes);
            return bytes;
        }, RoundTrip.ExactPrefix);
    }
}

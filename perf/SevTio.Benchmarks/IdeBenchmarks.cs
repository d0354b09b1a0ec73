using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using SevTio.Hw.Ide;
using SevTio.Hw.Pcie;

namespace SevTio.Benchmarks;

/// <summary>
/// The IDE data plane per TLP: build a 256-byte MWr, seal it at the device (prefix, AES-GCM-256, MAC), carry its wire
/// bytes to the root port (copy and parse), verify the MAC and decrypt into a destination buffer. <c>Tlp256</c> is one
/// TLP per operation; <c>Burst64KiB</c> is 256 such TLPs per operation (divide 65536 B by the mean for payload GB/s).
/// <c>PlatformAesGcm256</c> is the baseline: the BCL <see cref="AesGcm"/> sealing and opening the same 256 bytes with a
/// 20-byte AAD and a 12-byte tag, no TLP handling.
/// </summary>
[MemoryDiagnoser]
public class IdeBenchmarks
{
    private const ulong Address = 0x1_0000_0000;
    private const int PayloadBytes = 256;
    private const int BurstTlps = 256;

    private readonly byte[] _source = new byte[64 * 1024];
    private readonly byte[] _destination = new byte[64 * 1024];
    private readonly Tlp _tx = new();
    private readonly Tlp[] _rxRing = [new(), new(), new(), new(), new(), new(), new(), new()];
    private int _rxIndex;
    private IdeStream _device = null!;
    private IdeStream _rootPort = null!;
    private AesGcm _platform = null!;
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _aad = new byte[20];
    private readonly byte[] _ciphertext = new byte[PayloadBytes];
    private readonly byte[] _tag = new byte[12];

    /// <summary>TLPs per MAC (1 = a MAC on every TLP, 4 = the largest legal aggregation at MPS 256).</summary>
    [Params(1, 4)]
    public int Aggregation { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_source);
        var settings = new IdeStreamSettings { PostedAggregation = Aggregation };
        _device = new IdeStream(1, settings);
        _rootPort = new IdeStream(1, settings);
        var random = new Random(2);
        for (var ss = 0; ss < 3; ss++)
        {
            var down = new byte[32];
            var up = new byte[32];
            random.NextBytes(down);
            random.NextBytes(up);
            _device.ProgramKey((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0, up);
            _rootPort.ProgramKey((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0, up);
            _rootPort.ProgramKey((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0, down);
            _device.ProgramKey((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0, down);
        }

        for (var ss = 0; ss < 3; ss++)
        {
            foreach (var s in new[] { _device, _rootPort })
            {
                s.SetGo((IdeSubstream)ss, IdeDirection.Receive, IdeKeySet.K0);
                s.SetGo((IdeSubstream)ss, IdeDirection.Transmit, IdeKeySet.K0);
            }
        }

        _device.Enable();
        _rootPort.Enable();
        _platform = new AesGcm(new byte[32], 12);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _device.Dispose();
        _rootPort.Dispose();
        _platform.Dispose();
    }

    [Benchmark]
    public void Tlp256() => OneTlp(0, last: true);

    [Benchmark(OperationsPerInvoke = 1)]
    public void Burst64KiB()
    {
        for (var i = 0; i < BurstTlps; i++)
        {
            OneTlp(i * PayloadBytes, last: i == BurstTlps - 1);
        }
    }

    [Benchmark(Baseline = true)]
    public bool PlatformAesGcm256()
    {
        _platform.Encrypt(_nonce, _source.AsSpan(0, PayloadBytes), _ciphertext, _tag, _aad);
        _platform.Decrypt(_nonce, _ciphertext, _tag, _destination.AsSpan(0, PayloadBytes), _aad);
        return true;
    }

    private void OneTlp(int offset, bool last)
    {
        var payload = _tx.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, Address + (ulong)offset, PayloadBytes));
        _source.AsSpan(offset, PayloadBytes).CopyTo(payload);
        if (_device.SyncPending)
        {
            Carry(_device.SealSync(_tx));
            payload = _tx.EncodeForPayload(TlpHeader.MemoryWrite(0x0100, Address + (ulong)offset, PayloadBytes));
            _source.AsSpan(offset, PayloadBytes).CopyTo(payload);
        }

        // A single Tlp benchmark closes every unit; in a burst the unit closes at the burst's end or at x4.
        _device.Seal(_tx, last || Aggregation == 1 ? -1 : PayloadBytes);
        Carry(IdeSealStatus.Sealed);
    }

    private void Carry(IdeSealStatus status)
    {
        if (status != IdeSealStatus.Sealed)
        {
            throw new InvalidOperationException(status.ToString());
        }

        // The wire: the root port gets the bytes in its own buffer (a ring, since an aggregated unit holds up to 4) and parses them.
        var rx = _rxRing[_rxIndex++ & 7];
        rx.Load(_tx.Wire);
        var sink = new DecryptSink(_destination);
        if (_rootPort.Receive(rx, ref sink) == IdeReceiveStatus.Dropped)
        {
            throw new InvalidOperationException("verification failed");
        }
    }

    private readonly struct DecryptSink(byte[] destination) : IIdeReceiveSink
    {
        public void OnVerified(in IdeVerifiedSegment segment)
        {
            if (segment.Tlp.Header.Type == TlpType.MemoryWrite)
            {
                var offset = (int)(segment.Tlp.Header.Address - Address);
                segment.Decrypt(destination.AsSpan(offset, segment.Tlp.Layout.PayloadBytes));
            }
        }

        public void OnDropped(Tlp tlp, IdeCheckFailure reason)
        {
        }
    }
}

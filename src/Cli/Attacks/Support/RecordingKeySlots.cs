using SevTio.Firmware.DeviceSecurityManager;
using SevTio.Protocols.IdeKm;

namespace SevTio.Cli.Attacks.Support;

/// <summary>The device's key slots with a tap: every IDE key the (trusted) device receives, so an attack can search host-visible bytes for it.</summary>
internal sealed class RecordingKeySlots(IIdeKeySlots inner) : IIdeKeySlots
{
    public List<byte[]> Keys { get; } = [];

    public IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter)
    {
        Keys.Add(key.ToArray());
        return inner.ProgramKey(streamId, subStream, direction, keySet, key, initialCounter);
    }

    public bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) => inner.Go(streamId, subStream, direction, keySet);

    public bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) => inner.Stop(streamId, subStream, direction, keySet);

    public void InvalidateStream(byte streamId) => inner.InvalidateStream(streamId);
}

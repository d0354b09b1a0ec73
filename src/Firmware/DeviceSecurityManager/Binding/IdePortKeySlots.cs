using SevTio.Hw.Ide;
using SevTio.Protocols.IdeKm;

namespace SevTio.Firmware.DeviceSecurityManager.Binding;

/// <summary>
/// The IDE_KM key slots of a port's IDE engine (<see cref="IdePort"/>): KEY_PROG, K_SET_GO and K_SET_STOP land on the
/// Selective stream whose Control register carries the stream id. The DSM uses it for its own port; the PSP uses it
/// for a root port, which it programs directly (never through the host).
/// </summary>
public sealed class IdePortKeySlots : IIdeKeySlots
{
    public IdePortKeySlots(IdePort port)
    {
        ArgumentNullException.ThrowIfNull(port);
        Port = port;
    }

    public IdePort Port { get; }

    public IdeKmKpAckStatus ProgramKey(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet, ReadOnlySpan<byte> key, ulong initialCounter)
    {
        if (!TryMap(subStream, keySet, out var sub, out var set))
        {
            return IdeKmKpAckStatus.UnsupportedValue;
        }

        return Port.KeyProgram(streamId, sub, Map(direction), set, key, initialCounter) switch
        {
            IdeKeyStatus.Success => IdeKmKpAckStatus.Success,
            IdeKeyStatus.UnsupportedValue => IdeKmKpAckStatus.UnsupportedValue,
            _ => IdeKmKpAckStatus.UnspecifiedFailure,
        };
    }

    public bool Go(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) =>
        TryMap(subStream, keySet, out var sub, out var set)
        && Port.KeySetGo(streamId, sub, Map(direction), set) == IdeKeyStatus.Success;

    /// <summary>
    /// K_SET_STOP. Succeeds whenever the stream exists: the receiver may already have destroyed an old set on its own
    /// (§6.33.5, the first TLP under the new key retires the old one), and a destroyed set is what STOP asks for.
    /// </summary>
    public bool Stop(byte streamId, IdeKmSubStream subStream, IdeKmDirection direction, byte keySet) =>
        TryMap(subStream, keySet, out var sub, out var set)
        && Port.KeySetStop(streamId, sub, Map(direction), set) == IdeKeyStatus.Success;

    public void InvalidateStream(byte streamId)
    {
        // The SPDM session that programmed the keys ended (§6.33.3): the keys are gone and the stream goes Insecure.
        Port.FindStream(streamId)?.ForceInsecure(IdeCheckFailure.KeySetNotArmed);
    }

    public static IdeDirection Map(IdeKmDirection direction) =>
        direction == IdeKmDirection.Transmit ? IdeDirection.Transmit : IdeDirection.Receive;

    public static bool TryMap(IdeKmSubStream subStream, byte keySet, out IdeSubstream sub, out IdeKeySet set)
    {
        sub = subStream switch
        {
            IdeKmSubStream.PostedRequest => IdeSubstream.Posted,
            IdeKmSubStream.NonPostedRequest => IdeSubstream.NonPosted,
            IdeKmSubStream.Completion => IdeSubstream.Completion,
            _ => IdeSubstream.NonIdeWithOhcC,
        };
        set = keySet == 0 ? IdeKeySet.K0 : IdeKeySet.K1;
        return sub != IdeSubstream.NonIdeWithOhcC && keySet <= 1;
    }
}

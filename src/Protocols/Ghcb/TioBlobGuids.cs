namespace SevTio.Protocols.Ghcb;

/// <summary>GUIDs of the blobs the hypervisor hands the guest with TIO_MSG_TDI_INFO (uapi sev-guest.h <c>TIO_GUID_*</c>).</summary>
public static class TioBlobGuids
{
    public static readonly Guid Measurements = new("5caa80c6-12ef-401a-b364-ec59a93abe3f");

    public static readonly Guid Certificates = new("078ccb75-2644-49e8-afe7-5686c5cf72f1");

    public static readonly Guid Report = new("70dc5b0e-0cc0-4cd5-97bb-ff0ba25bf320");
}

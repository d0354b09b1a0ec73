namespace SevTio.Protocols.Psp;

/// <summary>
/// <c>type</c> of a certificate/measurement/report data object (sev-dev-tio.h <c>TIO_SPDM_*</c>). Its meaning
/// depends on the object id: certificates and reports only use 1; measurements use 1 and 2.
/// </summary>
public enum DeviceObjectType : byte
{
    /// <summary>TIO_SPDM_CERTIFICATES / TIO_SPDM_MEASUREMENTS / TIO_SPDM_REPORT.</summary>
    Primary = 1,

    /// <summary>TIO_SPDM_MEASUREMENTS_LOG (measurement objects only).</summary>
    MeasurementLog = 2,
}

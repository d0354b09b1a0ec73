namespace SevTio.Protocols.Psp;

/// <summary>
/// <c>data_type</c> of a REQ/RESP data object (sev-dev-tio.c <c>enum spdm_data_type_t</c>): selects the DOE data
/// object type the host uses for the transfer (CMA = 1 for plain SPDM, SSESSION = 2 for secured SPDM).
/// </summary>
public enum SpdmDataType : byte
{
    Spdm = 1,
    SecuredSpdm = 2,
}

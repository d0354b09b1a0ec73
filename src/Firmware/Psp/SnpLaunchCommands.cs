using System.Buffers.Binary;
using SevTio.Firmware.Psp.Mailbox;
using SevTio.Hw.Rmp;
using SevTio.Protocols.Psp;
using SevTio.Protocols.Wire;

namespace SevTio.Firmware.Psp;

/// <summary>
/// The SNP commands SEV-TIO needs around a guest (SNP ABI #56860, reduced): SNP_GCTX_CREATE makes a guest context and
/// its four VMPCKs; SNP_ACTIVATE binds an ASID and installs a fresh memory-encryption key in the memory controller;
/// SNP_LAUNCH_UPDATE fills a guest page (zero, encrypted in place, or the secrets page carrying the VMPCKs) under the
/// guest's key and sets RMP Validated; SNP_DECOMMISSION retires the guest and its key; SNP_PAGE_RECLAIM returns a
/// firmware page to the hypervisor, scrubbed.
/// </summary>
internal sealed class SnpLaunchCommands
{
    private const int VmpckLength = SnpSecretsPage.VmpckLength;

    private readonly PspFirmware _psp;

    public SnpLaunchCommands(PspFirmware psp) => _psp = psp;

    public PspReturnCode Execute(SnpCommandId command, ulong address)
    {
        var size = command switch
        {
            SnpCommandId.SnpActivate => SnpActivateCommand.Size,
            SnpCommandId.SnpLaunchUpdate => SnpLaunchUpdateCommand.Size,
            _ => SnpAddressCommand.Size,
        };
        if (address >= _psp.Options.Memory.Size || _psp.Options.Memory.Size - address < (ulong)size)
        {
            return PspReturnCode.InvalidAddress;
        }

        var buffer = new byte[size];
        _psp.Memory.Read(address, buffer);
        try
        {
            return command switch
            {
                SnpCommandId.SnpGctxCreate => CreateGuestContext(SnpAddressCommand.Decode(buffer).Address),
                SnpCommandId.SnpActivate => Activate(SnpActivateCommand.Decode(buffer)),
                SnpCommandId.SnpLaunchUpdate => LaunchUpdate(SnpLaunchUpdateCommand.Decode(buffer)),
                SnpCommandId.SnpDecommission => Decommission(SnpAddressCommand.Decode(buffer).Address),
                SnpCommandId.SnpPageReclaim => Reclaim(SnpAddressCommand.Decode(buffer).Address),
                _ => PspReturnCode.InvalidCommand,
            };
        }
        catch (ProtocolFormatException)
        {
            return PspReturnCode.InvalidParam;
        }
    }

    private PspReturnCode CreateGuestContext(ulong address)
    {
        var status = _psp.Memory.CheckPage(address, PageOwnerRequirement.Firmware);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (_psp.IsHeld(address))
        {
            return PspReturnCode.InUse;
        }

        var vmpcks = new byte[SnpSecretsPage.VmpckCount][];
        for (var i = 0; i < vmpcks.Length; i++)
        {
            _psp.Scheduler.Advance(_psp.Timing.KeyGeneration);
            vmpcks[i] = new byte[VmpckLength];
            _psp.GuestRandom.NextBytes(vmpcks[i]);
        }

        var guest = new SnpGuestContext(address, vmpcks);
        _psp.Guests.Add(address, guest);
        _psp.Hold([address], guest);
        _psp.WriteGuestContextImage(address);
        return PspReturnCode.Success;
    }

    private PspReturnCode Activate(SnpActivateCommand command)
    {
        if (!_psp.Guests.TryGetValue(command.GuestContextAddress, out var guest) || guest.Decommissioned)
        {
            return PspReturnCode.InvalidGuest;
        }

        if (guest.Asid != 0)
        {
            return PspReturnCode.InvalidGuestState;
        }

        var maxAsid = Math.Min(RmpEntry.MaxAsid, _psp.MemoryController.MaxAsid);
        if (command.Asid == 0 || command.Asid > (uint)maxAsid)
        {
            return PspReturnCode.InvalidAsid;
        }

        var asid = (int)command.Asid;
        if (_psp.GuestsByAsid.ContainsKey(asid))
        {
            return PspReturnCode.AsidOwned;
        }

        _psp.Scheduler.Advance(_psp.Timing.KeyGeneration);
        _psp.MemoryController.InstallKey(asid);
        guest.Asid = asid;
        _psp.GuestsByAsid.Add(asid, guest);
        return PspReturnCode.Success;
    }

    private PspReturnCode LaunchUpdate(SnpLaunchUpdateCommand command)
    {
        if (!_psp.Guests.TryGetValue(command.GuestContextAddress, out var guest) || guest.Decommissioned)
        {
            return PspReturnCode.InvalidGuest;
        }

        if (guest.Asid == 0)
        {
            return PspReturnCode.InvalidGuestState;
        }

        var address = command.Address;
        if ((address & (PspMemory.PageSize - 1)) != 0 || !_psp.Memory.Rmp.IsCovered(address) || address >= _psp.Options.Memory.Size)
        {
            return PspReturnCode.InvalidAddress;
        }

        // The host must already have given the page to the guest (RMPUPDATE: assigned, this ASID, mutable, not yet validated).
        var entry = _psp.Memory.ReadEntry(address);
        if (!entry.Assigned || entry.Asid != guest.Asid || entry.Immutable || entry.Validated || entry.PageSize != RmpPageSize.Size4K)
        {
            return PspReturnCode.InvalidPageState;
        }

        var page = new byte[PspMemory.PageSize];
        switch (command.PageType)
        {
            case SnpPageType.Normal:
            case SnpPageType.Unmeasured:
                _psp.Memory.Read(address, page);
                break;
            case SnpPageType.Zero:
                break;
            case SnpPageType.Secrets:
                BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(SnpSecretsPage.VersionOffset), SnpSecretsPage.Version);
                for (var i = 0; i < SnpSecretsPage.VmpckCount; i++)
                {
                    guest.Vmpcks[i].CopyTo(page.AsSpan(SnpSecretsPage.VmpckOffset(i)));
                }

                break;
            default:
                return PspReturnCode.InvalidParam;
        }

        _psp.Scheduler.Advance(_psp.Timing.LaunchPage);
        _psp.MemoryController.WritePrivate(guest.Asid, address, page);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(page);
        _psp.Memory.WriteEntry(address, entry.WithValidated(true));
        return PspReturnCode.Success;
    }

    private PspReturnCode Decommission(ulong address)
    {
        if (!_psp.Guests.TryGetValue(address, out var guest) || guest.Decommissioned)
        {
            return PspReturnCode.InvalidGuest;
        }

        if (_psp.Tdis.Values.Any(t => t.Guest == guest))
        {
            return PspReturnCode.InUse;
        }

        if (guest.Asid != 0)
        {
            _psp.MemoryController.RemoveKey(guest.Asid);
            _psp.GuestsByAsid.Remove(guest.Asid);
        }

        guest.Decommissioned = true;
        foreach (var key in guest.Vmpcks)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }

        _psp.Guests.Remove(address);
        _psp.Release([address]);
        return PspReturnCode.Success;
    }

    private PspReturnCode Reclaim(ulong address)
    {
        // Bit 0 is the page size (2 MiB): only 4 KiB firmware pages are modelled.
        if ((address & 1) != 0)
        {
            return PspReturnCode.InvalidPageSize;
        }

        var status = _psp.Memory.CheckPage(address, PageOwnerRequirement.Firmware);
        if (status != PspReturnCode.Success)
        {
            return status;
        }

        if (_psp.IsHeld(address))
        {
            return PspReturnCode.InUse;
        }

        _psp.Memory.ClearPages([address]);
        _psp.Memory.WriteEntry(address, default);
        return PspReturnCode.Success;
    }
}

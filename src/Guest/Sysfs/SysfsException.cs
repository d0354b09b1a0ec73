namespace SevTio.Guest.Sysfs;

/// <summary>A sysfs access that failed: the path and the errno the kernel answered.</summary>
public sealed class SysfsException : Exception
{
    public SysfsException(string path, Errno error)
        : base($"{path}: {error}")
    {
        Path = path;
        Error = error;
    }

    public string Path { get; }

    public Errno Error { get; }
}

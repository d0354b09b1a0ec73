namespace SevTio.Guest.Sysfs;

/// <summary>
/// A small sysfs: attribute files at absolute paths, each with a show (read) and/or a store (write) callback and an
/// optional visibility rule (an attribute group's <c>is_visible</c>). Users drive the guest as they drive Linux — write
/// <c>tsm0</c> to <c>/sys/bus/pci/devices/0000:01:00.0/tsm/lock</c> — and get the kernel's answers as <see cref="Errno"/>.
/// </summary>
public sealed class GuestSysfs
{
    private readonly SortedDictionary<string, Attribute> _attributes = new(StringComparer.Ordinal);

    /// <summary>Writes <paramref name="value"/> to the attribute at <paramref name="path"/> (<c>echo value &gt; path</c>).</summary>
    /// <returns>None, the store's error, ENOENT for a missing or hidden attribute, EACCES for a read-only one.</returns>
    public Errno Write(string path, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!TryGet(path, out var attribute))
        {
            return Errno.ENOENT;
        }

        return attribute.Store is null ? Errno.EACCES : attribute.Store(value);
    }

    /// <summary>Reads the attribute (<c>cat path</c>): ENOENT for a missing or hidden attribute, EIO for a write-only one.</summary>
    public Errno TryRead(string path, out string value)
    {
        value = string.Empty;
        if (!TryGet(path, out var attribute))
        {
            return Errno.ENOENT;
        }

        if (attribute.Show is null)
        {
            return Errno.EIO;
        }

        value = attribute.Show();
        return Errno.None;
    }

    /// <summary>Reads the attribute; throws <see cref="SysfsException"/> on an error.</summary>
    public string Read(string path)
    {
        var error = TryRead(path, out var value);
        return error == Errno.None ? value : throw new SysfsException(path, error);
    }

    public bool Exists(string path) => TryGet(path, out _);

    /// <summary>The visible entries directly under <paramref name="directory"/> (files and subdirectories), sorted.</summary>
    public IReadOnlyList<string> List(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var prefix = directory.EndsWith('/') ? directory : directory + "/";
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (path, attribute) in _attributes)
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && attribute.IsVisible)
            {
                var rest = path[prefix.Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                names.Add(slash < 0 ? rest : rest[..slash]);
            }
        }

        return [.. names];
    }

    internal void Add(string path, Func<string>? show, Func<string, Errno>? store, Func<bool>? visible = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.StartsWith('/') || show is null && store is null)
        {
            throw new ArgumentException($"attribute {path} needs an absolute path and a show or store");
        }

        if (!_attributes.TryAdd(path, new Attribute(show, store, visible)))
        {
            throw new ArgumentException($"attribute {path} exists", nameof(path));
        }
    }

    private bool TryGet(string path, out Attribute attribute)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _attributes.TryGetValue(path, out attribute!) && attribute.IsVisible;
    }

    private sealed record Attribute(Func<string>? Show, Func<string, Errno>? Store, Func<bool>? Visible)
    {
        public bool IsVisible => Visible?.Invoke() ?? true;
    }
}

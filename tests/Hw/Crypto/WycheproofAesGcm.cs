using System.Text.Json;

namespace SevTio.Hw.Tests.Crypto;

/// <summary>The AES-256, 96-bit-IV cases of Wycheproof's aes_gcm_test.json (copied into Vectors/ with its licence).</summary>
internal static class WycheproofAesGcm
{
    private static readonly Lazy<IReadOnlyDictionary<int, Case>> s_cases = new(Load);

    public static IReadOnlyDictionary<int, Case> Aes256Iv96 => s_cases.Value;

    /// <summary>The test ids, for <c>[MemberData]</c>.</summary>
    public static TheoryData<int> Ids()
    {
        var data = new TheoryData<int>();
        foreach (var id in Aes256Iv96.Keys.Order())
        {
            data.Add(id);
        }

        return data;
    }

    /// <summary>The vector folder, copied beside the test assembly by the project file.</summary>
    public static string VectorDirectory()
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "Crypto", "Vectors");
        return File.Exists(Path.Combine(dir, "aes_gcm_test.json"))
            ? dir
            : throw new FileNotFoundException("Crypto/Vectors/aes_gcm_test.json was not copied to the test output " + AppContext.BaseDirectory);
    }

    private static Dictionary<int, Case> Load()
    {
        using var stream = File.OpenRead(Path.Combine(VectorDirectory(), "aes_gcm_test.json"));
        using var json = JsonDocument.Parse(stream);
        var cases = new Dictionary<int, Case>();
        foreach (var group in json.RootElement.GetProperty("testGroups").EnumerateArray())
        {
            if (group.GetProperty("keySize").GetInt32() != 256 || group.GetProperty("ivSize").GetInt32() != 96)
            {
                continue;
            }

            foreach (var test in group.GetProperty("tests").EnumerateArray())
            {
                var c = new Case(
                    test.GetProperty("tcId").GetInt32(),
                    Hex(test, "key"), Hex(test, "iv"), Hex(test, "aad"), Hex(test, "msg"), Hex(test, "ct"), Hex(test, "tag"),
                    test.GetProperty("result").GetString()!,
                    test.GetProperty("comment").GetString() ?? "");
                cases.Add(c.TcId, c);
            }
        }

        return cases;
    }

    private static byte[] Hex(JsonElement test, string name) => Convert.FromHexString(test.GetProperty(name).GetString()!);

    public sealed record Case(int TcId, byte[] Key, byte[] Iv, byte[] Aad, byte[] Msg, byte[] Ct, byte[] Tag, string Result, string Comment);
}

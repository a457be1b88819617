using System.Text.Json;

namespace AudioOrchestrator.Testing.Corpus;

/// <summary>Stores a generated corpus as one file (labels as JSON, then length-prefixed packets; -1 = lost) and locks generation.</summary>
internal static class CorpusCache
{
    /// <summary>An exclusive lock on <paramref name="path"/>, waiting while another process or thread holds it.</summary>
    public static FileStream Lock(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
        }
    }

    public static LabelledCorpus? TryLoad(string path, CorpusCondition condition)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var reader = new BinaryReader(File.OpenRead(path));
            var labels = JsonSerializer.Deserialize<List<LabelledUtterance>>(reader.ReadString())
                ?? throw new InvalidDataException("no labels");
            var count = reader.ReadInt32();
            var packets = new List<byte[]?>(count);
            for (var i = 0; i < count; i++)
            {
                var length = reader.ReadInt32();
                packets.Add(length < 0 ? null : reader.ReadBytes(length));
            }

            return new LabelledCorpus(condition, labels, packets);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or JsonException)
        {
            return null; // damaged: generate again
        }
    }

    public static void Save(string path, LabelledCorpus corpus)
    {
        var temporary = path + ".tmp";
        using (var writer = new BinaryWriter(File.Create(temporary)))
        {
            writer.Write(JsonSerializer.Serialize(corpus.Utterances));
            writer.Write(corpus.Packets.Count);
            foreach (var packet in corpus.Packets)
            {
                writer.Write(packet?.Length ?? -1);
                if (packet is not null)
                {
                    writer.Write(packet);
                }
            }
        }

        File.Move(temporary, path, overwrite: true);
    }
}

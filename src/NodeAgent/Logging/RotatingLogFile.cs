using System.Text;

namespace NodeAgent.Logging;

/// <summary>
/// Appends lines to <c>DIR/node-agent.log</c> and rotates it as Python's <c>RotatingFileHandler</c> does for Patroni:
/// when the next line would pass <c>file_size</c> bytes, <c>.log</c> becomes <c>.log.1</c>, <c>.1</c> becomes
/// <c>.2</c> and so on, keeping <c>file_num</c> old files. A size or count of 0 never rotates (Python's rule).
/// Used by one writer task only.
/// </summary>
internal sealed class RotatingLogFile : IDisposable
{
    public const string FileName = "node-agent.log";
    private readonly long _maxBytes;
    private readonly int _backupCount;
    private FileStream _stream;

    public RotatingLogFile(string dir, long maxBytes, int backupCount)
    {
        Directory.CreateDirectory(dir);
        Path = System.IO.Path.Combine(dir, FileName);
        _maxBytes = maxBytes;
        _backupCount = backupCount;
        _stream = Open(Path);
    }

    public string Path { get; }

    public void Write(string line)
    {
        var bytes = Encoding.UTF8.GetBytes(line + "\n");
        if (_maxBytes > 0 && _backupCount > 0 && _stream.Length > 0 && _stream.Length + bytes.Length > _maxBytes)
        {
            Rotate();
        }

        _stream.Write(bytes);
    }

    public void Flush() => _stream.Flush();

    public void Dispose() => _stream.Dispose();

    private void Rotate()
    {
        _stream.Dispose();
        for (var i = _backupCount - 1; i >= 1; i--)
        {
            var from = $"{Path}.{i}";
            if (File.Exists(from))
            {
                File.Move(from, $"{Path}.{i + 1}", overwrite: true);
            }
        }

        File.Move(Path, Path + ".1", overwrite: true);
        _stream = Open(Path);
    }

    // Readable by the adm group as other files under /var/log; the agent runs as postgres.
    private static FileStream Open(string path) =>
        new(path, new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write, Share = FileShare.Read, UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead });
}

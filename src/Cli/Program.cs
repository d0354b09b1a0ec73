namespace SevTio.Cli;

public static class Program
{
    public static int Main(string[] args) => SevTioCommand.Invoke(args);
}

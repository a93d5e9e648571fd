// The `peft` dotnet tool: see docs/cli.md.
return Peft.Cli.PeftCommand.Run(args, Console.Out, Console.Error);

package org.petl.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code petl} command line: one subcommand per job. */
@Command(name = "petl", mixinStandardHelpOptions = true, version = "petl 0.1.0",
        description = "Parameter-efficient transfer learning on DL4J SameDiff (He et al., ICLR 2022).",
        subcommands = {
                CommandLine.HelpCommand.class,
                GenerateCommand.class,
                GenerateBenchmark.class,
                ScoreCommand.class,
                ParityCommand.class,
                TrainCommand.class,
                EvalCommand.class,
                CompareCommand.class,
                EvalBenchmark.class,
                StepBenchmark.class,
                MethodsCommand.class,
                ParamsCommand.class,
                BudgetCommand.class,
                ConformanceCommand.class,
                HfFolderCommand.class,
                MergeBenchmark.class,
                PredictCommand.class,
                MergeCommand.class,
                ExportCommand.class,
        })
public final class PetlCli implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /**
     * Runs the CLI. Whatever a command throws, errors included (out of memory, stack overflow), becomes one line on
     * stderr, never a stack trace; {@code -Dpetl.debug=true} adds the trace. {@code @file} arguments are not
     * expanded: {@code --method @my-method.json} names a method file.
     */
    public static int execute(String... args) {
        return execute(java.util.List.of(), args);
    }

    /**
     * The same with further subcommands (picocli command objects), for modules above this one: petl-suite adds
     * {@code suite} this way, so that petl-bench itself never depends on Spark.
     */
    public static int execute(java.util.List<Object> extraCommands, String... args) {
        CommandLine cli = new CommandLine(new PetlCli());
        for (Object c : extraCommands) cli.addSubcommand(c);
        cli.setExpandAtFiles(false);
        cli.setParameterExceptionHandler((ex, a) -> {
            CommandLine cmd = ex.getCommandLine();
            String name = cmd.getCommandSpec().qualifiedName();
            cmd.getErr().println(name + ": error: " + ErrorLine.of(ex) + " (see '" + name + " --help')");
            cmd.getErr().flush();
            return 2;
        });
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            cmd.getErr().println(cmd.getCommandSpec().qualifiedName() + ": error: " + ErrorLine.of(ex));
            if (Boolean.getBoolean("petl.debug")) ex.printStackTrace(cmd.getErr());
            cmd.getErr().flush();
            return 1;
        });
        try {
            return cli.execute(args);
        } catch (Throwable t) {
            // parameter handling and anything picocli lets escape: still one line
            System.err.println("petl: error: " + ErrorLine.of(t));
            if (Boolean.getBoolean("petl.debug")) t.printStackTrace();
            return 1;
        }
    }
}

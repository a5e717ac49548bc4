package org.petl.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code petl} command line: one subcommand per job. */
@Command(name = "petl", mixinStandardHelpOptions = true, version = "petl 0.1.0",
        description = "Parameter-efficient transfer learning on DL4J SameDiff (He et al., ICLR 2022).",
        subcommands = {
                CommandLine.HelpCommand.class,
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
                MergeBenchmark.class,
        })
public final class PetlCli implements Runnable {

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the CLI; any exception a command lets through becomes one line on stderr, never a stack trace. */
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
        cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            Throwable root = ex;
            String msg = ex.getMessage();
            while ((msg == null || msg.isBlank()) && root.getCause() != null) {
                root = root.getCause();
                msg = root.getMessage();
            }
            cmd.getErr().println("petl " + cmd.getCommandName() + ": error: " + (msg == null ? root.getClass().getSimpleName() : msg.lines().findFirst().orElse("")));
            if (Boolean.getBoolean("petl.debug")) ex.printStackTrace(cmd.getErr());
            return 1;
        });
        return cli.execute(args);
    }
}

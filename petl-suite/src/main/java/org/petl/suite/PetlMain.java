package org.petl.suite;

import org.petl.bench.PetlCli;

import java.util.List;

/** The full {@code petl} command line: petl-bench's commands plus {@code suite} (the only one that needs Spark). */
public final class PetlMain {
    private PetlMain() {
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return PetlCli.execute(List.of(new SuiteCommand()), args);
    }
}

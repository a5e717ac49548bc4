package org.petl.bench;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every option of every petl command says what it does in --help, and the ones with a default say which. */
class HelpOptionsTest {

    @Test
    void everyOptionHasADescriptionAndItsDefault() {
        List<String> missing = new ArrayList<>();
        CommandLine cli = new CommandLine(new PetlCli());
        cli.getSubcommands().forEach((name, sub) -> {
            for (OptionSpec o : sub.getCommandSpec().options()) {
                if (o.usageHelp() || o.versionHelp()) continue;
                String d = String.join(" ", o.description()).strip();
                if (d.isEmpty()) missing.add(name + " " + o.longestName() + ": no description");
                else if (o.defaultValue() != null && !d.toLowerCase(Locale.ROOT).contains("default")) missing.add(name + " " + o.longestName() + ": default not shown");
            }
        });
        assertTrue(missing.isEmpty(), String.join("\n", missing));
    }

    @Test
    void trainHelpShowsTheEnRoFlagsWithTheirDefaults() {
        CliCapture c = CliCapture.run("train", "--help");
        assertEquals(0, c.rc(), c.both());
        String help = c.out().replaceAll("\\s+", " ");
        for (String s : List.of("--adam-beta1=<adamBeta1> AdamW β1 (default 0.9", "(default 0.999", "(default 1e-8", "--select=<select>",
                "--attention-dropout=<attentionDropout> dropout on attention probabilities (default: the value of --dropout")) {
            assertTrue(help.contains(s), s + " not in\n" + c.out());
        }
    }
}

package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.adapter.AdapterFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "export", mixinStandardHelpOptions = true,
        description = "Write a run's adapter in another library's format: peft (LoRA, prefix tuning: loads with PeftModel.from_pretrained) "
                + "or adapterhub (bottleneck adapters).")
public final class ExportCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "a run folder written by petl train")
    Path run;

    @Option(names = "--format", required = true, description = "peft or adapterhub")
    String format;

    @Option(names = "--out", required = true, description = "the folder to write")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("peft") && !format.equals("adapterhub")) throw new IllegalArgumentException("--format '" + format + "': must be peft or adapterhub");
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("run", run.toString());
        s.put("out", out.toString());
        s.put("format", format);
        var notes = s.putArray("notes");
        if (PredictCommand.seq2seqRun(run)) {
            // an encoder-decoder run: its model rebuilt as generate decodes it, the adapter written again
            if (format.equals("adapterhub")) {
                throw new IllegalArgumentException("--format adapterhub writes BERT/RoBERTa encoders' adapters; this is a seq2seq run (--format peft for LoRA or prefix tuning)");
            }
            Seq2SeqRunModel m = Seq2SeqRunModel.fromRun(run);
            String why = AdapterFiles.peftUnsupported(m.applied());
            if (why != null) throw new IllegalArgumentException("method '" + m.applied().method().spec() + "' has no PEFT equivalent on " + m.baseModel() + " (" + why + ")");
            AdapterFiles.Written w = AdapterFiles.save(m.applied(), out, m.baseModel());
            s.put("peft_type", w.peftType());
            w.notes().forEach(notes::add);
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            return 0;
        }
        RunFolderModel m = RunFolderModel.fromRun(run);
        if (format.equals("peft")) {
            String why = AdapterFiles.peftUnsupported(m.built().applied());
            if (why != null) throw new IllegalArgumentException("method '" + m.built().applied().method().spec() + "' has no PEFT equivalent (" + why
                    + "); bottleneck adapters export with --format adapterhub");
            AdapterFiles.Written w = AdapterFiles.save(m.built().applied(), out, m.baseModel());
            s.put("peft_type", w.peftType());
            w.notes().forEach(notes::add);
        } else {
            org.petl.core.adapter.AdapterHubFormat.Written w = org.petl.core.adapter.AdapterHubFormat.save(m.built().applied(), out, m.labels());
            s.put("adapter", w.name());
            w.notes().forEach(notes::add);
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
        return 0;
    }
}

package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.tasks.RunSetup;
import org.petl.tasks.data.Dataset;
import org.petl.tasks.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a trained run: rebuilds the base model, loads the run's adapter and scores every labelled split.")
public final class EvalCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "a run folder written by petl train")
    Path runDir;

    @Option(names = "--data", description = "override the data folder recorded in the run")
    Path data;

    @Override
    public Integer call() throws Exception {
        Path runJson = runDir.resolve("run.json");
        if (!Files.isRegularFile(runJson)) throw new IllegalArgumentException(runDir + ": no run.json (not a petl run folder)");
        JsonNode r;
        try {
            r = new ObjectMapper().readTree(org.petl.core.io.TextFiles.readString(runJson));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            var at = e.getLocation();
            throw new IllegalArgumentException(runJson + (at == null ? "" : ":" + at.getLineNr() + ":" + at.getColumnNr()) + ": not valid JSON ("
                    + org.petl.core.io.TextFiles.quote(e.getOriginalMessage(), 120) + "); petl train writes this file, rerun the training or restore it");
        }
        if (!r.isObject() || !r.path("model").isTextual() || !r.path("task").isTextual() || !r.path("method").isTextual()) {
            throw new IllegalArgumentException(runJson + ": not a petl run file (needs \"model\", \"task\" and \"method\")");
        }
        if (r.path("kind").asText("").equals("seq2seq")) {
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(Seq2SeqRuns.eval(runDir, r, data)));
            return 0;
        }
        Path dataDir = data != null ? data : (r.path("data").isNull() || r.path("data").isMissingNode() ? null : Path.of(r.path("data").asText()));
        RunSetup setup = new RunSetup(r.path("model").asText(), r.path("task").asText(), dataDir, r.path("method").asText(),
                r.path("max_len").asInt(), 0, r.path("pooling").asText("auto"), r.path("seed").asLong(), r.path("head").asText("petl"));
        RunSetup.Prepared p = setup.prepare(runDir.resolve("adapter"));
        ObjectNode out = new ObjectMapper().createObjectNode();
        out.put("run", runDir.toString());
        out.put("method", p.method().spec());
        for (Map.Entry<String, Dataset> e : p.data().all().entrySet()) {
            if (e.getKey().equals("train") || !e.getValue().isLabeled()) continue;
            out.put(e.getKey() + "_accuracy", Trainer.evaluate(p.graph(), e.getValue(), p.batcher(), Trainer.EVAL_BATCH).accuracy());
        }
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(out));
        return 0;
    }
}

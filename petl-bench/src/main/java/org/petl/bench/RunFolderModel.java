package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;
import org.petl.models.tokenize.HfTextTokenizer;
import org.petl.tasks.RunSetup;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A trained model rebuilt for predict, merge and export: from a run folder, or from an adapter folder and a model. */
record RunFolderModel(RunSetup.Built built, List<String> labels, String baseModel) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** A run folder written by {@code petl train}: run.json, the adapter, and the task's label names. */
    static RunFolderModel fromRun(Path runDir) throws IOException {
        Path runJson = runDir.resolve("run.json");
        if (!Files.isRegularFile(runJson)) throw new IllegalArgumentException(runDir + ": no run.json (not a petl run folder)");
        JsonNode r = JSON.readTree(runJson.toFile());
        Path dataDir = r.path("data").isNull() || r.path("data").isMissingNode() ? null : Path.of(r.path("data").asText());
        RunSetup setup = new RunSetup(r.path("model").asText(), r.path("task").asText(), dataDir, r.path("method").asText(),
                r.path("max_len").asInt(64), 0, r.path("pooling").asText("auto"), r.path("seed").asLong(), r.path("head").asText("petl"));
        RunSetup.Prepared p = setup.prepare(runDir.resolve("adapter"));
        return new RunFolderModel(new RunSetup.Built(p.model(), p.graph(), p.applied(), p.batcher()), p.data().labelNames(), r.path("model").asText());
    }

    /**
     * An adapter folder (petl's or PEFT's) on a model: the head style and label count come from the folder (a
     * transformers head for PEFT SEQ_CLS adapters), label names from {@code labels} or LABEL_i.
     */
    static RunFolderModel fromAdapter(Path adapter, String model, List<String> labels, int maxLen) throws IOException {
        if (!Files.isDirectory(adapter)) throw new IllegalArgumentException("--adapter " + adapter + ": not a folder");
        String head = "petl";
        String method = "head";
        Path petl = adapter.resolve(AdapterFiles.PETL_CONFIG), peft = adapter.resolve(AdapterFiles.CONFIG);
        if (Files.isRegularFile(petl)) {
            JsonNode c = JSON.readTree(petl.toFile());
            if (c.path("transformers").path("task_type").asText().equals("SEQ_CLS")) head = "hf";
            if (model == null) model = c.path("base_model_name_or_path").asText(null);
        } else if (Files.isRegularFile(peft)) {
            JsonNode c = JSON.readTree(peft.toFile());
            if (!c.path("task_type").asText().equals("SEQ_CLS")) {
                throw new IllegalArgumentException(adapter + ": task_type " + c.path("task_type").asText("(none)")
                        + " carries no classification head; predict needs a SEQ_CLS adapter (or petl's own folder)");
            }
            head = "hf";
        }
        if (model == null) throw new IllegalArgumentException(adapter + ": the adapter does not name its model; give --model or --weights");
        int n = labels.isEmpty() ? numLabels(adapter) : labels.size();
        List<String> names = new ArrayList<>(labels);
        for (int i = names.size(); i < n; i++) names.add("LABEL_" + i);
        RunSetup setup = new RunSetup(model, "polarity", null, method, maxLen, 0, "auto", 0, head);
        return new RunFolderModel(setup.buildForInference(adapter, n), names, model);
    }

    /** A transformers *ForSequenceClassification folder (config.json with id2label, the head in model.safetensors). */
    static RunFolderModel fromClassifierFolder(Path dir, int maxLen) throws IOException {
        Path config = dir.resolve("config.json");
        if (!Files.isRegularFile(config)) throw new IllegalArgumentException("--weights " + dir + ": no config.json");
        JsonNode c = JSON.readTree(config.toFile());
        if (!c.path("architectures").toString().contains("ForSequenceClassification")) {
            throw new IllegalArgumentException(dir + ": not a *ForSequenceClassification folder (architectures " + c.path("architectures") + "); give --adapter too");
        }
        List<String> names = new ArrayList<>();
        JsonNode id2label = c.path("id2label");
        for (int i = 0; id2label.has(Integer.toString(i)); i++) names.add(id2label.path(Integer.toString(i)).asText());
        if (names.size() < 2) throw new IllegalArgumentException(config + ": id2label must name at least 2 labels");
        RunSetup setup = new RunSetup(dir.toString(), "polarity", null, "head", maxLen, 0, "auto", 0, "hf");
        return new RunFolderModel(setup.buildForInference(null, names.size()), names, dir.toString());
    }

    /** Rows of the head's output layer in any safetensors file of the folder (2 when none is found). */
    private static int numLabels(Path adapter) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(adapter, "*.safetensors")) {
            for (Path f : files) {
                for (Map.Entry<String, HostTensor> e : Safetensors.read(f).entrySet()) {
                    String k = e.getKey();
                    if ((k.endsWith("classifier.weight") || k.endsWith("classifier.out_proj.weight")) && e.getValue().rank() == 2) {
                        return (int) e.getValue().shape()[0];
                    }
                }
            }
        }
        return 2;
    }

    /** The model's tokenizer.json, to copy into HF folders (null when the tokenizer is not a file). */
    Path tokenizerFile() {
        return built.model().tokenizer() instanceof HfTextTokenizer h ? h.file() : null;
    }
}

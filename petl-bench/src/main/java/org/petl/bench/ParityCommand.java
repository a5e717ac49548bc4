package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "parity", mixinStandardHelpOptions = true,
        description = "Compare the SameDiff encoder with the original ONNX graph (onnxruntime) on sentences, one per line.")
public final class ParityCommand implements Callable<Integer> {

    @Option(names = "--model", defaultValue = "minilm-l6", description = "minilm-l6 or bge-small (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--text-file", required = true, description = "sentences, one per line")
    Path textFile;

    @Option(names = "--batch", defaultValue = "8", description = "sentences per padded batch (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--max-len", defaultValue = "128", description = "truncate longer inputs (default ${DEFAULT-VALUE})")
    int maxLen;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(textFile)) throw new IllegalArgumentException(textFile + ": no such file");
        List<String> lines = Files.readAllLines(textFile).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        if (lines.isEmpty()) throw new IllegalArgumentException(textFile + ": no sentences (the file is empty)");
        Parity.Result r = Parity.run(model, lines, batch, maxLen);
        ObjectNode o = new ObjectMapper().createObjectNode();
        o.put("model", r.model());
        o.put("sentences", r.sentences());
        o.put("tokens", r.tokens());
        o.put("batches", r.batches());
        o.put("max_abs_diff", r.maxAbsDiff());
        o.put("mean_abs_diff", r.meanAbsDiff());
        o.put("samediff_seconds", r.samediffSeconds());
        o.put("onnxruntime_seconds", r.onnxSeconds());
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(o));
        return 0;
    }
}

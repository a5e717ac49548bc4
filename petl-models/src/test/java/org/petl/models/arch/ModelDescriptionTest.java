package org.petl.models.arch;

import org.junit.jupiter.api.Test;
import org.petl.core.arch.ModelDescription;
import org.petl.core.io.Safetensors;
import org.petl.core.tensor.HostTensor;
import org.petl.models.GoldenReference;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tensors a description lists are exactly those the paper code's tiny checkpoints hold (name and shape). */
class ModelDescriptionTest {

    static final ModelDescription TINY_BART = ModelDescription.bart("tiny-bart", 2, 2, 32, 4, 64, 120, 64, "gelu", false);
    static final ModelDescription TINY_MBART = ModelDescription.mbart("tiny-mbart", 2, 2, 32, 4, 64, 120, 64, "gelu");
    static final ModelDescription TINY_ROBERTA = ModelDescription.roberta("tiny-roberta", 2, 32, 4, 64, 120, 64, 1, 1e-5, "gelu", false, 1);

    @Test
    void bartAndMbartListTheCheckpointsTensors() {
        check(TINY_BART, "bart", "");
        check(TINY_MBART, "mbart", "");
    }

    @Test
    void robertaListsTheCheckpointsTensors() {
        check(TINY_ROBERTA, "roberta", "roberta.");
    }

    private static void check(ModelDescription d, String folder, String prefix) {
        Map<String, String> file = new TreeMap<>();
        for (Map.Entry<String, HostTensor> e : Safetensors.read(GoldenReference.root().resolve(folder).resolve("base.safetensors")).entrySet()) {
            String n = e.getKey().startsWith(prefix) ? e.getKey().substring(prefix.length()) : e.getKey();
            if (d.names().tiedAliases().containsKey(n) || d.names().ignorable().contains(n) || n.startsWith("classifier.")) continue;
            file.put(n, Arrays.toString(e.getValue().shape()));
        }
        Map<String, String> described = new TreeMap<>();
        d.tensors().forEach((k, v) -> described.put(k, Arrays.toString(v)));
        assertEquals(file, described);
        long values = file.values().stream().mapToLong(s -> Arrays.stream(s.replaceAll("[\\[\\] ]", "").split(",")).mapToLong(Long::parseLong).reduce(1, (a, b) -> a * b)).sum();
        assertEquals(values, d.baseParameters());
    }
}

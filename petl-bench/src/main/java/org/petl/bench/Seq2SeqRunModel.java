package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.adapter.AdapterFiles;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Rewriter;
import org.petl.core.tensor.HostTensor;
import org.petl.models.assembly.DecoderStep;
import org.petl.models.store.ModelStore;
import org.petl.models.store.PretrainedSeq2Seq;
import org.petl.models.weights.WarmStart;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A seq2seq run's model rebuilt for export and merge: its encoder-decoder (a BART/mBART folder, or the warm-started
 * MiniLM) as the decoder-step graph with RUN/adapter applied, exactly as {@code petl generate --run} decodes it.
 */
record Seq2SeqRunModel(String baseModel, PretrainedSeq2Seq pretrained, AppliedMethod applied) {

    static Seq2SeqRunModel fromRun(Path run) throws IOException {
        JsonNode r = new ObjectMapper().readTree(run.resolve("run.json").toFile());
        String name = org.petl.tasks.seq2seq.Seq2SeqSetup.seq2seqModel(r.path("model").asText());
        Path adapter = run.resolve("adapter");
        if (!Files.isDirectory(adapter)) throw new IllegalArgumentException("--run " + run + ": no adapter folder (" + adapter + ")");
        PretrainedSeq2Seq p = ModelStore.resolveSeq2Seq(name);
        DecoderStep step = DecoderStep.build(p.description(), p.weights());
        AdapterFiles.Loaded a = AdapterFiles.load(adapter, step.graph());
        AppliedMethod applied = Rewriter.apply(step.graph(), a.method(), 0, a.added());
        AdapterFiles.assignBase(step.graph(), a.base(), adapter);
        return new Seq2SeqRunModel(name, p, applied);
    }

    /** transformers' Linear weights are [out, in]; petl's graph holds them [in, out]. */
    private static boolean linear(String name) {
        return name.endsWith("_proj.weight") || name.endsWith(".fc1.weight") || name.endsWith(".fc2.weight");
    }

    /**
     * LoRA folded into the base (BitFit's and full fine-tuning's trained tensors as they are), written as a copy of
     * the base folder with a new {@code model.safetensors}: the same tensor names the base file has, and every
     * other file (config, tokenizer) copied. Returns the number of LoRA modules merged.
     */
    int mergeInto(Path out) {
        if (baseModel.endsWith(WarmStart.SUFFIX)) {
            throw new IllegalArgumentException("the run's model " + baseModel + " is petl's warm-started encoder-decoder, which has no transformers "
                    + "class to write; merge writes BART/mBART folders (petl export --format peft keeps the adapter)");
        }
        Map<String, INDArray> merged = MergeCommand.foldedLora(applied);
        Path base = Path.of(baseModel);
        Path file = base.resolve("model.safetensors");
        Map<String, HostTensor> original = Files.isRegularFile(file) ? Safetensors.read(file) : pretrained.weights();
        SameDiff sd = applied.graph().sameDiff();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        java.util.Set<String> unplaced = new java.util.TreeSet<>(merged.keySet());
        for (Map.Entry<String, HostTensor> e : original.entrySet()) {
            String k = e.getKey();
            // a bare BartModel file names its tensors without "model."; the graph uses the canonical names
            String g = sd.hasVariable(k) ? k : sd.hasVariable("model." + k) ? "model." + k : null;
            if (g != null) unplaced.remove(g);
            INDArray v = merged.containsKey(g) ? merged.get(g) : g == null ? null : sd.getArrForVarName(g);
            if (v == null) {
                tensors.put(k, e.getValue());
                continue;
            }
            INDArray hf = linear(k) && v.rank() == 2 ? v.transpose() : v;
            HostTensor t = new HostTensor(hf.shape(), hf.dup('c').castTo(DataType.FLOAT).data().asFloat());
            if (!t.sameShape(e.getValue().shape())) {
                throw new WeightFileException(file + ": " + k + " has shape " + e.getValue().shapeString() + ", the run's graph " + t.shapeString());
            }
            tensors.put(k, t);
        }
        if (!unplaced.isEmpty()) throw new WeightFileException(file + ": has no tensor for the merged " + unplaced);
        try {
            Files.createDirectories(out);
            try (DirectoryStream<Path> files = Files.newDirectoryStream(base)) {
                for (Path f : files) {
                    String n = f.getFileName().toString();
                    if (!Files.isRegularFile(f) || n.equals("model.safetensors") || n.equals("pytorch_model.bin") || n.endsWith(".index.json")) continue;
                    AtomicFiles.write(out.resolve(n), o -> Files.copy(f, o));
                }
            }
            Safetensors.write(out.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
        } catch (IOException e) {
            throw new WeightFileException(out + ": cannot write the Hugging Face folder (" + e.getMessage() + ")");
        }
        return merged.size();
    }
}

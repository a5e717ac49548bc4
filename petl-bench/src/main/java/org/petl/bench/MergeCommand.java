package org.petl.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.adapter.HfLayout;
import org.petl.core.adapter.LoraMerge;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Modification;
import org.petl.models.weights.HfEncoderFolder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Fold a run's LoRA into the base weights and write a Hugging Face folder (config.json, model.safetensors, "
                + "tokenizer.json) that transformers loads with from_pretrained and petl with --weights.")
public final class MergeCommand implements Callable<Integer> {

    @Option(names = "--run", required = true, description = "a run folder written by petl train (LoRA, BitFit, full or head-only; a seq2seq run on a BART/mBART folder "
            + "writes that folder again with the merged model.safetensors)")
    Path run;

    @Option(names = "--out", required = true, description = "the Hugging Face folder to write")
    Path out;

    /**
     * The base weights LoRA replaces, graph layout (none when the method has no LoRA); any modification other than
     * LoRA and BitFit is refused in one line (BitFit's, full fine-tuning's and the head's tensors are in the graph).
     */
    static Map<String, INDArray> foldedLora(AppliedMethod a) {
        List<String> notMergeable = new ArrayList<>();
        boolean lora = false;
        for (Modification mod : a.method().modifications()) {
            if (mod instanceof Modification.Delta d && org.petl.core.adapter.AdapterFiles.isLora(d)) lora = true;
            else if (!(mod instanceof Modification.BiasTuning)) notMergeable.add(mod.name());
        }
        if (!notMergeable.isEmpty()) {
            throw new IllegalArgumentException("method '" + a.method().spec() + "': " + notMergeable + " cannot be folded into the base weights "
                    + "(merge folds LoRA; BitFit, full and head-only runs are written as they are); use petl export instead");
        }
        return lora ? LoraMerge.merge(a) : Map.of();
    }

    @Override
    public Integer call() throws Exception {
        if (PredictCommand.seq2seqRun(run)) {
            Seq2SeqRunModel m = Seq2SeqRunModel.fromRun(run);
            int n = m.mergeInto(out);
            ObjectNode s = new ObjectMapper().createObjectNode();
            s.put("run", run.toString());
            s.put("out", out.toString());
            s.put("class", m.applied().graph().hfLayout().map(org.petl.core.adapter.HfLayout::architecture).orElse(m.baseModel()));
            s.put("method", m.applied().method().spec());
            s.put("lora_modules_merged", n);
            System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
            return 0;
        }
        RunFolderModel m = RunFolderModel.fromRun(run);
        AppliedMethod a = m.built().applied();
        Map<String, INDArray> merged = foldedLora(a);
        String cls = HfEncoderFolder.write(m.built().graph(), merged, m.labels(), m.tokenizerFile(), out);
        HfLayout layout = m.built().graph().hfLayout().orElseThrow();
        ObjectNode s = new ObjectMapper().createObjectNode();
        s.put("run", run.toString());
        s.put("out", out.toString());
        s.put("class", cls);
        s.put("method", a.method().spec());
        s.put("lora_modules_merged", merged.size());
        if (!layout.headMaps()) s.put("note", layout.headNote() + "; the folder holds the encoder only");
        System.out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(s));
        return 0;
    }
}

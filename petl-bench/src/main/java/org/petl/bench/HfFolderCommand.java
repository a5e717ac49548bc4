package org.petl.bench;

import org.petl.models.tokenize.HfTextTokenizer;
import org.petl.models.weights.HfEncoderFolder;
import org.petl.models.weights.HfFolderWriter;
import org.petl.models.weights.HfSeq2SeqConfig;
import org.petl.tasks.RunSetup;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code petl hf-folder}: a base model as a Hugging Face folder. Either a tiny paper-code reference BART/mBART (for
 * --weights), or one of petl's encoders (MiniLM, bge, BERT) as the bare transformers {@code BertModel} a PEFT user
 * loads before {@code PeftModel.from_pretrained} with a petl export.
 */
@Command(name = "hf-folder", mixinStandardHelpOptions = true,
        description = "Write a base model as a Hugging Face folder (config.json, model.safetensors, tokenizer.json). "
                + "--reference: the base weights of a paper-code reference model (e.g. ../shared/golden/petl-reference/bart or mbart), "
                + "with a small tokenizer.json (byte-level BPE for BART, SentencePiece unigram with en_XX/ro_RO for mBART); "
                + "the folder then works wherever --weights DIR does. --model: one of petl's encoders (minilm-l6, bge-small, "
                + "bert-base-uncased, ...) as the bare transformers BertModel/RobertaModel, the base that "
                + "AutoModelForSequenceClassification.from_pretrained and then PeftModel.from_pretrained(model, <petl export>) take.")
public final class HfFolderCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    static final class Source {
        @Option(names = "--reference", required = true, paramLabel = "DIR", description = "a reference model folder holding base.safetensors")
        Path reference;

        @Option(names = "--model", required = true, paramLabel = "M", description = "a petl encoder name (as petl train --model takes it)")
        String model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write (created)")
    Path out;

    @Override
    public Integer call() {
        if (source.model != null) return encoder(source.model);
        Path reference = source.reference;
        if (!Files.isRegularFile(reference.resolve("base.safetensors"))) {
            throw new IllegalArgumentException("--reference " + reference + ": no base.safetensors (a folder such as ../shared/golden/petl-reference/bart)");
        }
        HfSeq2SeqConfig c = HfFolderWriter.writeTinyReference(reference, out);
        spec.commandLine().getOut().println("wrote " + out + " (" + c.family().hfClass() + ", d_model " + c.dModel() + ", "
                + c.encoderLayers() + "+" + c.decoderLayers() + " layers, vocab " + c.vocab() + "): config.json, model.safetensors, tokenizer.json");
        spec.commandLine().getOut().flush();
        return 0;
    }

    private int encoder(String model) {
        if (model.endsWith(org.petl.models.weights.WarmStart.SUFFIX)) {
            throw new IllegalArgumentException("--model " + model + ": an encoder-decoder; hf-folder --model writes encoders (BART/mBART folders are what --weights reads)");
        }
        // petl's head is left out of the folder: the bare encoder, exactly the frozen base every run starts from
        RunSetup.Built b = new RunSetup(model, "polarity", null, "head", 64, 0, "auto", 0, "petl").buildForInference(null, 2);
        Path tokenizer = b.model().tokenizer() instanceof HfTextTokenizer h ? h.file() : null;
        String cls = HfEncoderFolder.write(b.graph(), Map.of(), List.of(), tokenizer, out);
        var c = b.graph().config();
        spec.commandLine().getOut().println("wrote " + out + " (" + cls + ", hidden " + c.hidden() + ", " + c.layers() + " layers, vocab " + c.vocab()
                + "): config.json, model.safetensors" + (tokenizer == null ? " (no tokenizer.json: the model has none)" : ", tokenizer.json"));
        spec.commandLine().getOut().flush();
        return 0;
    }
}

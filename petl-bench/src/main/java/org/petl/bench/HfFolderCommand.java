package org.petl.bench;

import org.petl.models.weights.HfFolderWriter;
import org.petl.models.weights.HfSeq2SeqConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code petl hf-folder}: writes a tiny reference BART/mBART as a Hugging Face folder that --weights reads. */
@Command(name = "hf-folder", mixinStandardHelpOptions = true,
        description = "Write the base weights of a paper-code reference model (e.g. ../shared/golden/petl-reference/bart or mbart) "
                + "as a Hugging Face folder: config.json, model.safetensors and a small tokenizer.json (byte-level BPE for BART, "
                + "SentencePiece unigram with en_XX/ro_RO for mBART). The folder then works wherever --weights DIR does.")
public final class HfFolderCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--reference", required = true, paramLabel = "DIR", description = "a reference model folder holding base.safetensors")
    Path reference;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the folder to write (created)")
    Path out;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(reference.resolve("base.safetensors"))) {
            throw new IllegalArgumentException("--reference " + reference + ": no base.safetensors (a folder such as ../shared/golden/petl-reference/bart)");
        }
        HfSeq2SeqConfig c = HfFolderWriter.writeTinyReference(reference, out);
        spec.commandLine().getOut().println("wrote " + out + " (" + c.family().hfClass() + ", d_model " + c.dModel() + ", "
                + c.encoderLayers() + "+" + c.decoderLayers() + " layers, vocab " + c.vocab() + "): config.json, model.safetensors, tokenizer.json");
        spec.commandLine().getOut().flush();
        return 0;
    }
}

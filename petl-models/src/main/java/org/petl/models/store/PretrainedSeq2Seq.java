package org.petl.models.store;

import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.tokenize.Seq2SeqTokenizer;
import org.petl.models.weights.HfSeq2SeqConfig;

import java.nio.file.Path;
import java.util.Map;

/**
 * A pretrained encoder-decoder ready to build: its config, checked weights under Hugging Face BART names
 * ({@code model.shared.weight} and its tied aliases, {@code model.encoder.layers.0.self_attn.q_proj.weight}
 * [out, in], ...), and its tokenizer.json (null when the folder has none).
 */
public record PretrainedSeq2Seq(String name, HfSeq2SeqConfig config, Map<String, HostTensor> weights, Path tokenizerJson) {

    /**
     * The tokenizer with its special tokens; mBART needs the source and target language codes (e.g. en_XX,
     * ro_RO), BART ignores them (may be null).
     */
    public Seq2SeqTokenizer tokenizer(String srcLang, String tgtLang) {
        if (tokenizerJson == null) throw new WeightFileException(name + ": the model folder has no tokenizer.json");
        HfSeq2SeqConfig c = config;
        return switch (c.family()) {
            case BART -> Seq2SeqTokenizer.bart(tokenizerJson, c.bosTokenId(), c.eosTokenId(), c.padTokenId(),
                    c.decoderStartTokenId() >= 0 ? c.decoderStartTokenId() : c.eosTokenId());
            case MBART -> {
                if (srcLang == null || tgtLang == null) {
                    throw new WeightFileException(name + ": mBART needs a source and a target language code (e.g. en_XX, ro_RO)");
                }
                yield Seq2SeqTokenizer.mbart(tokenizerJson, c.eosTokenId(), c.padTokenId(), srcLang, tgtLang);
            }
        };
    }
}

package org.petl.models.store;

import org.petl.core.arch.ModelDescription;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.tokenize.Seq2SeqTokenizer;

import java.nio.file.Path;
import java.util.Map;

/**
 * A pretrained encoder-decoder ready to build: its {@link ModelDescription} (the graph and the parameter
 * accounting come from it), checked weights under the description's names (BART's: {@code model.shared.weight}
 * and its tied aliases, {@code model.encoder.layers.0.self_attn.q_proj.weight} [out, in], ...), and where its
 * tokens come from.
 */
public record PretrainedSeq2Seq(String name, ModelDescription description, Map<String, HostTensor> weights, Tokens tokens) {

    /** How the model's texts become ids: each kind places its own special tokens ({@link Seq2SeqTokenizer}). */
    public sealed interface Tokens permits BartTokens, MBartTokens, BertTokens, NoTokenizer {
        Seq2SeqTokenizer open(String name, String srcLang, String tgtLang);
    }

    /** BART: {@code <s> … </s>}, decoding from {@code decoderStart}. */
    public record BartTokens(Path json, long bos, long eos, long pad, long decoderStart) implements Tokens {
        public Seq2SeqTokenizer open(String name, String srcLang, String tgtLang) {
            return Seq2SeqTokenizer.bart(json, bos, eos, pad, decoderStart);
        }
    }

    /** mBART: the language codes are chosen when the tokenizer is opened. */
    public record MBartTokens(Path json, long eos, long pad) implements Tokens {
        public Seq2SeqTokenizer open(String name, String srcLang, String tgtLang) {
            if (srcLang == null || tgtLang == null) {
                throw new WeightFileException(name + ": mBART needs a source and a target language code (e.g. en_XX, ro_RO)");
            }
            return Seq2SeqTokenizer.mbart(json, eos, pad, srcLang, tgtLang);
        }
    }

    /** A warm-started BERT encoder-decoder: WordPiece, {@code [CLS] … [SEP]}, decoding from [CLS]. */
    public record BertTokens(Path json) implements Tokens {
        public Seq2SeqTokenizer open(String name, String srcLang, String tgtLang) {
            return Seq2SeqTokenizer.bertWarmStart(json);
        }
    }

    /** A folder without tokenizer.json (the weights can still be built and scored on ids). */
    public record NoTokenizer() implements Tokens {
        public Seq2SeqTokenizer open(String name, String srcLang, String tgtLang) {
            throw new WeightFileException(name + ": the model folder has no tokenizer.json");
        }
    }

    /**
     * The tokenizer with its special tokens; mBART needs the source and target language codes (e.g. en_XX,
     * ro_RO), the others ignore them (may be null).
     */
    public Seq2SeqTokenizer tokenizer(String srcLang, String tgtLang) {
        return tokens.open(name, srcLang, tgtLang);
    }
}

package org.petl.models.store;

import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;
import org.petl.models.tokenize.TextTokenizer;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * A pretrained encoder ready to build: architecture, checked encoder weights under canonical names
 * ({@code embeddings.word_embeddings.weight}, {@code encoder.layer.0.attention.self.query.weight} [out, in], ...),
 * tensors outside the encoder (heads), its tokenizer, and the original ONNX graph where there is one (the
 * oracle runs it), else null.
 */
public record PretrainedEncoder(String name, EncoderConfig config, Map<String, HostTensor> weights,
                                Map<String, HostTensor> headWeights, TextTokenizer tokenizer, Path onnxFile) {

    public Optional<Path> onnx() {
        return Optional.ofNullable(onnxFile);
    }
}

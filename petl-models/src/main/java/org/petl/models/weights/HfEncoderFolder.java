package org.petl.models.weights;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.adapter.HfLayout;
import org.petl.core.io.AtomicFiles;
import org.petl.core.io.Safetensors;
import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;
import org.petl.models.EncoderConfig;
import org.petl.models.graph.EncoderGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an encoder graph's current weights as a Hugging Face folder transformers loads with
 * {@code from_pretrained}: {@code config.json} (BertConfig/RobertaConfig fields, {@code architectures},
 * {@code id2label}), {@code model.safetensors} under the class's names ({@code bert.encoder.layer.0...}, Linear
 * weights [out, in]) and a copy of {@code tokenizer.json}. With transformers' head the folder is a
 * {@code *ForSequenceClassification}; with petl's head it is the bare {@code *Model} (the head has no transformers
 * class and is left out).
 */
public final class HfEncoderFolder {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HfEncoderFolder() {
    }

    /**
     * @param replaced  graph-layout values that replace the graph's (e.g. LoRA-merged projection weights)
     * @param labels    label names by id (for id2label), or empty
     * @param tokenizer tokenizer.json to copy, or null
     * @return the transformers class written
     */
    public static String write(EncoderGraph g, Map<String, INDArray> replaced, List<String> labels, Path tokenizer, Path dir) {
        HfLayout layout = g.hfLayout().orElseThrow();
        EncoderConfig c = g.config();
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        for (String n : g.baseParameters()) {
            INDArray v = replaced.containsKey(n) ? replaced.get(n) : g.sameDiff().getArrForVarName(n);
            tensors.put(layout.modulePath(n), host(v, v.rank() == 2 && !n.startsWith("embeddings.")));
        }
        if (layout.headMaps()) {
            layout.headNames().forEach((n, hf) -> {
                INDArray v = g.sameDiff().getArrForVarName(n);
                tensors.put(hf, host(v, v.rank() == 2));
            });
        }
        boolean bert = c.family() == EncoderConfig.Family.BERT;
        ObjectNode cfg = JSON.createObjectNode();
        cfg.putArray("architectures").add(layout.architecture());
        cfg.put("model_type", layout.modelType());
        cfg.put("vocab_size", c.vocab());
        cfg.put("hidden_size", c.hidden());
        cfg.put("num_hidden_layers", c.layers());
        cfg.put("num_attention_heads", c.heads());
        cfg.put("intermediate_size", c.ffn());
        cfg.put("hidden_act", c.activation());
        cfg.put("hidden_dropout_prob", 0.1);
        cfg.put("attention_probs_dropout_prob", 0.1);
        cfg.put("max_position_embeddings", c.maxPositions());
        cfg.put("type_vocab_size", c.typeVocab());
        cfg.put("initializer_range", 0.02);
        cfg.put("layer_norm_eps", c.layerNormEps());
        cfg.put("pad_token_id", c.padTokenId());
        if (!bert) {
            cfg.put("bos_token_id", 0);
            cfg.put("eos_token_id", 2);
        }
        cfg.put("position_embedding_type", "absolute");
        cfg.put("torch_dtype", "float32");
        if (!labels.isEmpty()) {
            ObjectNode id2label = cfg.putObject("id2label"), label2id = cfg.putObject("label2id");
            for (int i = 0; i < labels.size(); i++) {
                id2label.put(Integer.toString(i), labels.get(i));
                label2id.put(labels.get(i), i);
            }
        }
        try {
            Files.createDirectories(dir);
            Safetensors.write(dir.resolve("model.safetensors"), tensors, Map.of("format", "pt"));
            AtomicFiles.writeString(dir.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(cfg) + "\n");
            if (tokenizer != null) AtomicFiles.write(dir.resolve("tokenizer.json"), out -> Files.copy(tokenizer, out));
        } catch (IOException e) {
            throw new WeightFileException(dir + ": cannot write the Hugging Face folder (" + e.getMessage() + ")");
        }
        return layout.architecture();
    }

    private static HostTensor host(INDArray v, boolean transpose) {
        INDArray a = transpose ? v.transpose() : v;
        return new HostTensor(a.shape(), a.dup('c').castTo(DataType.FLOAT).data().asFloat());
    }
}

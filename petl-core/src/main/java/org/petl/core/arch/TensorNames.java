package org.petl.core.arch;

import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Stack;

import java.util.List;
import java.util.Map;

/**
 * A family's tensor names: the Hugging Face module names under which the graph holds its parameters. Linear and
 * LayerNorm modules are named without their {@code .weight}/{@code .bias} suffix.
 */
public sealed interface TensorNames permits TensorNames.Bert, TensorNames.Bart {

    String wordEmbeddings(Stack s);

    String positionEmbeddings(Stack s);

    String typeEmbeddings();

    String embeddingNorm(Stack s);

    /** The projection whose output a site is: attention q, k, v, output; FFN hidden_pre (W1) and output (W2). */
    String projection(Site site);

    /** The LayerNorm of a sub-layer (after its residual in post-LN models, at its input in pre-LN ones). */
    String norm(Site module);

    /** mBART's LayerNorm at the end of a stack. */
    String finalNorm(Stack s);

    String pooler();

    /** Checkpoint names that hold a copy of another tensor (tied), mapped to the graph's name. */
    Map<String, String> tiedAliases();

    /** Names a checkpoint may carry that are no parameters of the graph (buffers, unused heads). */
    List<String> ignorable();

    /** BERT and RoBERTa, without the {@code bert.}/{@code roberta.} prefix. */
    enum Bert implements TensorNames {
        INSTANCE;

        @Override
        public String wordEmbeddings(Stack s) {
            return "embeddings.word_embeddings";
        }

        @Override
        public String positionEmbeddings(Stack s) {
            return "embeddings.position_embeddings";
        }

        @Override
        public String typeEmbeddings() {
            return "embeddings.token_type_embeddings";
        }

        @Override
        public String embeddingNorm(Stack s) {
            return "embeddings.LayerNorm";
        }

        @Override
        public String projection(Site site) {
            String base = "encoder.layer." + site.layer() + ".";
            String name = switch (site.module()) {
                case SELF_ATTN -> switch (site.point()) {
                    case Q -> "attention.self.query";
                    case K -> "attention.self.key";
                    case V -> "attention.self.value";
                    case OUTPUT -> "attention.output.dense";
                    default -> null;
                };
                case FFN -> switch (site.point()) {
                    case HIDDEN_PRE -> "intermediate.dense";
                    case OUTPUT -> "output.dense";
                    default -> null;
                };
                case CROSS_ATTN, EMBEDDINGS -> null;
            };
            if (name == null || site.stack() != Stack.ENCODER) throw new IllegalArgumentException("site " + site + " is not the output of a projection");
            return base + name;
        }

        @Override
        public String norm(Site module) {
            String base = "encoder.layer." + module.layer() + ".";
            return switch (module.module()) {
                case SELF_ATTN -> base + "attention.output.LayerNorm";
                case FFN -> base + "output.LayerNorm";
                case CROSS_ATTN, EMBEDDINGS -> throw new IllegalArgumentException("BERT has no LayerNorm at " + module);
            };
        }

        @Override
        public String finalNorm(Stack s) {
            throw new IllegalArgumentException("BERT has no final LayerNorm");
        }

        @Override
        public String pooler() {
            return "pooler.dense";
        }

        @Override
        public Map<String, String> tiedAliases() {
            return Map.of();
        }

        @Override
        public List<String> ignorable() {
            return List.of("embeddings.position_ids");
        }
    }

    /** BART and mBART, exactly the names of {@code BartForConditionalGeneration} / {@code MBartForConditionalGeneration}. */
    enum Bart implements TensorNames {
        INSTANCE;

        private static String stack(Stack s) {
            return switch (s) {
                case ENCODER -> "model.encoder";
                case DECODER -> "model.decoder";
            };
        }

        @Override
        public String wordEmbeddings(Stack s) {
            return "model.shared";
        }

        @Override
        public String positionEmbeddings(Stack s) {
            return stack(s) + ".embed_positions";
        }

        @Override
        public String typeEmbeddings() {
            throw new IllegalArgumentException("BART has no token types");
        }

        @Override
        public String embeddingNorm(Stack s) {
            return stack(s) + ".layernorm_embedding";
        }

        private static String module(Site site) {
            return switch (site.module()) {
                case SELF_ATTN -> "self_attn";
                case CROSS_ATTN -> "encoder_attn";
                case FFN, EMBEDDINGS -> throw new IllegalArgumentException(site + " is no attention module");
            };
        }

        @Override
        public String projection(Site site) {
            String base = stack(site.stack()) + ".layers." + site.layer() + ".";
            String name = switch (site.module()) {
                case SELF_ATTN, CROSS_ATTN -> switch (site.point()) {
                    case Q -> module(site) + ".q_proj";
                    case K -> module(site) + ".k_proj";
                    case V -> module(site) + ".v_proj";
                    case OUTPUT -> module(site) + ".out_proj";
                    default -> null;
                };
                case FFN -> switch (site.point()) {
                    case HIDDEN_PRE -> "fc1";
                    case OUTPUT -> "fc2";
                    default -> null;
                };
                case EMBEDDINGS -> null;
            };
            if (name == null) throw new IllegalArgumentException("site " + site + " is not the output of a projection");
            return base + name;
        }

        @Override
        public String norm(Site module) {
            String base = stack(module.stack()) + ".layers." + module.layer() + ".";
            return switch (module.module()) {
                case SELF_ATTN -> base + "self_attn_layer_norm";
                case CROSS_ATTN -> base + "encoder_attn_layer_norm";
                case FFN -> base + "final_layer_norm";
                case EMBEDDINGS -> throw new IllegalArgumentException("no sub-layer LayerNorm at " + module);
            };
        }

        @Override
        public String finalNorm(Stack s) {
            return stack(s) + ".layer_norm";
        }

        @Override
        public String pooler() {
            throw new IllegalArgumentException("BART has no pooler");
        }

        @Override
        public Map<String, String> tiedAliases() {
            return Map.of("model.encoder.embed_tokens.weight", "model.shared.weight",
                    "model.decoder.embed_tokens.weight", "model.shared.weight",
                    "lm_head.weight", "model.shared.weight");
        }

        @Override
        public List<String> ignorable() {
            return List.of("final_logits_bias");
        }
    }
}

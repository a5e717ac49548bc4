package org.petl.models.graph;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.petl.core.arch.ModelDescription;
import org.petl.core.arch.TensorNames;
import org.petl.core.site.Site;
import org.petl.core.site.Site.Point;
import org.petl.core.site.Site.Stack;

/**
 * The embedding block of a stack: word (× √d with {@code scale_embedding}) + position (+ token type), then the
 * embedding LayerNorm ({@code layernorm_embedding}) and dropout. Sites: {@code <stack>.embeddings.mask} (the 0/1
 * token mask [B, T]), {@code <stack>.embeddings.positions} (the position rows [B, T], INT) and
 * {@code <stack>.embeddings.sum} (the sum before the LayerNorm, [N, d]; prompt tuning
 * prepends its rows here, so prompts are neither scaled nor given a position).
 */
public final class Embeddings {

    private Embeddings() {
    }

    /**
     * @param ids       token ids [B, T] (INT)
     * @param positions position-table rows [B, T] (INT), as {@link ModelDescription#positionRow} gives them
     * @param types     token-type ids [B, T] or null (families without token types)
     * @param mask      0/1 token mask [B, T] (FLOAT)
     * @param trainable lookups whose gradient adds up repeated rows (full fine-tuning)
     * @return the embedded sequence [N, d]
     */
    public static SDVariable build(ModelGraph g, Stack s, SDVariable ids, SDVariable positions, SDVariable types, SDVariable mask, boolean trainable) {
        SameDiff sd = g.sameDiff();
        ModelDescription d = g.description();
        TensorNames n = g.names();
        g.site(Site.embeddings(s, Point.MASK), mask);
        positions = g.site(Site.embeddings(s, Point.POSITIONS), positions);
        String wordName = n.wordEmbeddings(s) + ".weight";
        SDVariable sum = lookup(sd, g.param(wordName, d.vocab(), d.hidden()), ids, d.vocab(), trainable);
        if (d.scaleEmbedding()) sum = sum.mul(Math.sqrt(d.hidden()));
        sum = sum.add(lookup(sd, g.param(n.positionEmbeddings(s) + ".weight", d.positionRows(), d.hidden()), positions, d.positionRows(), trainable));
        if (types != null && d.typeVocab() > 0) {
            sum = sum.add(lookup(sd, g.param(n.typeEmbeddings() + ".weight", d.typeVocab(), d.hidden()), types, d.typeVocab(), trainable));
        }
        SDVariable h = g.site(Site.embeddings(s, Point.SUM), sum);
        String prefix = s.name().toLowerCase() + ".embeddings.";
        if (d.layerNormEmbedding()) h = g.layerNorm(prefix + "ln", h, n.embeddingNorm(s));
        return g.dropout(prefix + "dropout", h, g.options().hiddenDropout());
    }

    private static SDVariable lookup(SameDiff sd, SDVariable table, SDVariable ids, int rows, boolean trainable) {
        // SameDiff's own gather gradient neither adds up repeated ids nor builds twice in one graph
        if (!trainable) return sd.gather(table, sd.reshape(ids, -1), 0);
        return org.petl.core.site.EmbeddingGather.of(sd, table, sd.reshape(ids, -1), rows);
    }
}

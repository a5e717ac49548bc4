package org.petl.core.method;

import org.petl.core.site.Site;
import org.petl.core.site.Site.Module;
import org.petl.core.site.Site.Point;

/** Insertion form: what the modification reads. */
public enum Insertion {
    /** Input is h itself (Houlsby/Pfeiffer adapters). */
    SEQUENTIAL,
    /** Input is x, the sub-layer's input (parallel adapter; prefix reads x through Wq). */
    PARALLEL,
    /**
     * Input is the residual stream entering the sub-layer: the same as PARALLEL in post-LN models; in pre-LN models
     * (mBART) the un-normalised stream, which the paper code's parallel FFN adapter reads.
     */
    RESIDUAL_PARALLEL,
    /** Input is the input of the projection that produces h (LoRA: Wq x → x; W2 act(W1 x) → act(W1 x)). */
    PROJECTION_PARALLEL,
    /** Per attention head, from the sub-layer input through the module's query projection (prefix, MHPA). */
    MULTI_HEAD_PARALLEL,
    /** Input is LN(x + h) with the layer's own residual LayerNorm (Pfeiffer placement of the paper's code). */
    POST_NORM;

    /** Where writes of this insertion form happen among the writes to one site (see {@link Footprint.Stage}). */
    public Footprint.Stage stage() {
        return switch (this) {
            case PROJECTION_PARALLEL -> Footprint.Stage.PROJECTION;
            case SEQUENTIAL, POST_NORM -> Footprint.Stage.SEQUENTIAL;
            case PARALLEL, RESIDUAL_PARALLEL, MULTI_HEAD_PARALLEL -> Footprint.Stage.PARALLEL;
        };
    }

    /** Every site this insertion reads for a modification at {@code site} (POST_NORM also reads the residual). */
    public java.util.Set<Site> reads(Site site) {
        return this == POST_NORM ? java.util.Set.of(site, site.at(Point.RESIDUAL)) : java.util.Set.of(inputSite(site));
    }

    /** The site whose value this insertion reads for a modification at {@code site}. */
    public Site inputSite(Site site) {
        return switch (this) {
            case SEQUENTIAL, POST_NORM -> site;
            case PARALLEL, MULTI_HEAD_PARALLEL -> site.at(Point.INPUT);
            case RESIDUAL_PARALLEL -> site.at(Point.RESIDUAL);
            case PROJECTION_PARALLEL -> site.at(switch (site.point()) {
                case Q -> Point.INPUT;
                case K, V -> Point.CONTEXT;
                case OUTPUT -> site.module() == Module.FFN ? Point.HIDDEN : Point.HEADS;
                case HIDDEN_PRE -> Point.INPUT;
                default -> throw new MethodSpecException("site " + site + " is not a projection output; projection-parallel insertion needs q, k, v, output or hidden_pre");
            });
        };
    }
}

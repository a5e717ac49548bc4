package org.petl.models.assembly;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.petl.core.method.AppliedMethod;
import org.petl.core.method.Architecture;
import org.petl.core.method.Methods;
import org.petl.core.method.ParameterReport;
import org.petl.core.method.PetlMethod;
import org.petl.core.method.Rewriter;
import org.petl.models.GoldenReference;
import org.petl.models.conformance.ConformanceRunner;
import org.petl.models.graph.ModelGraph;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every preset applies to the tiny reference BART and mBART, on the teacher-forced graph and on the decoder-step
 * graph: attention presets reach encoder self-, decoder self- and cross-attention, and what trains is exactly what
 * the description's parameter accounting ({@code petl params}) counts.
 */
class PresetsOnBartTest {

    @ParameterizedTest
    @ValueSource(strings = {"bart:houlsby:r=4", "mbart:pfeiffer:r=4", "bart:prefix:l=3,mid=8", "mbart:prefix:l=3,mid=0", "bart:prompt:l=3",
            "mbart:lora:r=2,s=2", "bart:bitfit", "mbart:pa:r=4", "bart:spa:r=4,s=learned", "mbart:mhpa:l=3", "bart:mam:l=3,r=4,s=2,mid=8"})
    void presetReachesEveryAttentionKindAndMatchesTheAccounting(String spec) {
        String model = spec.substring(0, spec.indexOf(':'));
        PetlMethod method = Methods.parse(spec.substring(model.length() + 1));
        ConformanceRunner.Seq2SeqCase c = ConformanceRunner.loadSeq2Seq(GoldenReference.root().resolve(model).resolve("base"));
        Seq2SeqLm lm = Seq2SeqLm.build(c.description(), c.weights(), ModelGraph.Options.inference());
        AppliedMethod onLm = Rewriter.apply(lm.graph(), method, 7);
        ParameterReport report = ParameterReport.of(new Architecture(c.description()), method);
        assertEquals(report.trainable(), onLm.trainableCount(), spec + ": graph vs accounting");
        boolean attention = method.spec().matches("(houlsby|prefix|lora|mhpa|mam).*");
        if (attention) {
            for (String where : new String[]{"encoder.layer.1.self_attn", "decoder.layer.1.self_attn", "decoder.layer.1.cross_attn"}) {
                assertTrue(onLm.added().keySet().stream().anyMatch(n -> n.contains(where)), spec + " has no parameter at " + where + ": " + onLm.added().keySet());
            }
        }
        DecoderStep step = DecoderStep.build(c.description(), c.weights());
        AppliedMethod onStep = Rewriter.apply(step.graph(), method, 7);
        assertEquals(onLm.added().keySet(), onStep.added().keySet());
        assertEquals(onLm.trainableCount(), onStep.trainableCount());
        Map<String, INDArray> out = lm.graph().sameDiff().output(c.batch().placeholders(c.description(), 1f), Seq2SeqLm.LOGITS);
        INDArray logits = out.get(Seq2SeqLm.LOGITS);
        assertEquals(3, logits.size(0));
        assertTrue(Double.isFinite(logits.sumNumber().doubleValue()), spec + ": non-finite logits");
    }
}

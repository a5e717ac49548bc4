package org.petl.core.adapter;

import java.util.List;
import java.util.Map;

/**
 * How a petl graph is named in the transformers class a Hugging Face user loads it into: what PEFT's keys,
 * {@code target_modules} and {@code modules_to_save} must say, and what a merged HF folder holds.
 *
 * @param modelType     config.json's {@code model_type} (bert, roberta, bart)
 * @param architecture  the transformers class, e.g. {@code BertForSequenceClassification}, or the bare
 *                      {@code BertModel} when petl's head has no transformers equivalent
 * @param taskType      PEFT's task type for that class: SEQ_CLS, SEQ_2_SEQ_LM or FEATURE_EXTRACTION
 * @param basePrefix    what the class puts before the graph's module names ({@code bert.}, {@code roberta.}, or
 *                      empty for the bare model)
 * @param headNames     head graph variable → transformers parameter name (empty when the head does not map)
 * @param headModules   the head's top modules, PEFT's {@code modules_to_save} ({@code classifier}, {@code pooler})
 * @param headNote      null when the head maps exactly; otherwise why it does not (said to the user on export)
 */
public record HfLayout(String modelType, String architecture, String taskType, String basePrefix,
                       Map<String, String> headNames, List<String> headModules, String headNote) {

    public HfLayout {
        headNames = Map.copyOf(headNames);
        headModules = List.copyOf(headModules);
    }

    /** The transformers module path of a graph module name, e.g. {@code bert.encoder.layer.0.attention.self.query}. */
    public String modulePath(String graphModule) {
        return basePrefix + graphModule;
    }

    public boolean headMaps() {
        return headNote == null;
    }
}

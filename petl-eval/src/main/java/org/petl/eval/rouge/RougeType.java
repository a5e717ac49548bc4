package org.petl.eval.rouge;

/** The ROUGE variants the paper reports, with rouge_score's names. */
public enum RougeType {
    ROUGE1("rouge1"), ROUGE2("rouge2"), ROUGE_L("rougeL"), ROUGE_LSUM("rougeLsum");

    private final String key;

    RougeType(String key) { this.key = key; }

    /** The name rouge_score uses as the dict key. */
    public String key() { return key; }
}

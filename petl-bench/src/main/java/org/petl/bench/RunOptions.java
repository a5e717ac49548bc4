package org.petl.bench;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.tasks.RunSetup;
import org.petl.tasks.train.TrainConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Options shared by train and compare: model, task, method and hyperparameters. */
public final class RunOptions {

    @Option(names = "--model", defaultValue = "minilm-l6", description = "minilm-l6, bge-small, bert-base-uncased, bert-base-multilingual-cased (default ${DEFAULT-VALUE})")
    String model;

    @Option(names = "--weights", description = "a local Hugging Face folder (config.json, model.safetensors, tokenizer.json) instead of --model")
    Path weights;

    @Option(names = "--task", defaultValue = "polarity", description = "polarity, sst2 or mnli (default ${DEFAULT-VALUE})")
    String task;

    @Option(names = "--data", description = "folder with the task's files (GLUE TSVs for sst2/mnli; the polarity CSV is found by default)")
    Path data;

    @Option(names = "--method", defaultValue = "lora:r=8,s=2", description = "method spec, e.g. mam:l=16,r=16,s=2 (see petl methods; default ${DEFAULT-VALUE})")
    String method;

    @Option(names = "--epochs", defaultValue = "3", description = "passes over the training split (default ${DEFAULT-VALUE})")
    int epochs;

    @Option(names = "--lr", defaultValue = "1e-3", description = "peak AdamW learning rate (default ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--batch", defaultValue = "32", description = "examples per optimizer step, before --grad-accum (default ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--grad-accum", defaultValue = "1", description = "batches whose gradients add up to one optimizer step (default ${DEFAULT-VALUE})")
    int gradAccum;

    @Option(names = "--max-len", defaultValue = "64", description = "truncate inputs to this many tokens (default ${DEFAULT-VALUE})")
    int maxLen;

    @Option(names = "--seed", defaultValue = "42", description = "seed of initialisation, sampling and dropout (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--warmup", defaultValue = "0.06", description = "fraction of the steps with a linear learning-rate warmup (default ${DEFAULT-VALUE})")
    double warmup;

    @Option(names = "--weight-decay", defaultValue = "0.01", description = "AdamW decoupled weight decay (default ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--clip", defaultValue = "1.0", description = "global gradient-norm clipping, 0 for none (default ${DEFAULT-VALUE})")
    double clip;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "mass spread evenly over all labels in the targets (default ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--dropout", defaultValue = "0", description = "hidden dropout, and attention dropout unless --attention-dropout is given "
            + "(default ${DEFAULT-VALUE}; one-epoch runs gain nothing from it)")
    double dropout;

    @Option(names = "--attention-dropout", description = "dropout on attention probabilities (default: the value of --dropout; the paper's en-ro script: 0 beside --dropout 0.1)")
    Double attentionDropout;

    @Option(names = "--adam-beta1", defaultValue = "0.9", description = "AdamW β1 (default ${DEFAULT-VALUE}, PyTorch's)")
    double adamBeta1 = TrainConfig.ADAM_BETA1;

    @Option(names = "--adam-beta2", defaultValue = "0.999", description = "AdamW β2 (default ${DEFAULT-VALUE}, PyTorch's; the paper's en-ro script: 0.98)")
    double adamBeta2 = TrainConfig.ADAM_BETA2;

    @Option(names = "--adam-eps", defaultValue = "1e-8", description = "AdamW ε added to sqrt(v) (default ${DEFAULT-VALUE}, PyTorch's; the paper's en-ro script: 1e-6)")
    double adamEps = TrainConfig.ADAM_EPS;

    @Option(names = "--select", description = "what picks the best checkpoint (best/, best_dev_*): accuracy or loss for classification, "
            + "rouge2 (summarization) or bleu (translation) or loss for seq2seq; loss is the teacher-forced dev loss with --label-smoothing, "
            + "lower is better (default: accuracy, rouge2 or bleu, the task's metric)")
    String select;

    @Option(names = "--eval-every", defaultValue = "0", description = "steps between evaluations/checkpoints, 0: once per epoch (default ${DEFAULT-VALUE})")
    int evalEvery;

    @Option(names = "--schedule", defaultValue = "linear", description = "learning-rate decay after warmup: linear, constant or polynomial (default ${DEFAULT-VALUE})")
    String schedule;

    @Option(names = "--pooling", defaultValue = "auto", description = "petl head's pooling: cls, mean or auto = mean for minilm, cls otherwise (default ${DEFAULT-VALUE})")
    String pooling;

    @Option(names = "--head", defaultValue = "petl", description = "petl (pooling -> out_proj) or hf (transformers' *ForSequenceClassification head, "
            + "what a PEFT SEQ_CLS export needs: BERT CLS -> pooler -> classifier, RoBERTa CLS -> classifier.dense -> out_proj) (default ${DEFAULT-VALUE})")
    String head;

    @Option(names = "--max-steps", description = "stop after this many steps (the schedule still spans the epochs; default: no limit)")
    Long maxSteps;

    /** Largest --batch: beyond it one step's activations do not fit any machine petl runs on. */
    static final int MAX_BATCH = 1 << 16;

    /**
     * Every option checked before anything loads, each refusal naming the option and its allowed range. The
     * TrainConfig record checks again (for library callers), but without the option names.
     */
    void validate() {
        require(epochs >= 1, "--epochs " + epochs + ": must be at least 1");
        require(lr > 0 && Double.isFinite(lr), "--lr " + lr + ": must be a positive finite number");
        require(batch >= 1 && batch <= MAX_BATCH, "--batch " + batch + ": must be in 1.." + MAX_BATCH);
        require(gradAccum >= 1 && gradAccum <= MAX_BATCH, "--grad-accum " + gradAccum + ": must be in 1.." + MAX_BATCH);
        require(maxLen >= 4, "--max-len " + maxLen + ": must be at least 4 tokens");
        require(warmup >= 0 && warmup <= 1, "--warmup " + warmup + ": must be a ratio in [0, 1]");
        require(weightDecay >= 0 && Double.isFinite(weightDecay), "--weight-decay " + weightDecay + ": must be a finite number >= 0");
        require(clip >= 0 && Double.isFinite(clip), "--clip " + clip + ": must be a finite gradient norm > 0, or 0 for no clipping");
        require(labelSmoothing >= 0 && labelSmoothing < 1, "--label-smoothing " + labelSmoothing + ": must be in [0, 1)");
        require(dropout >= 0 && dropout < 1, "--dropout " + dropout + ": must be a probability in [0, 1) (1 would drop everything)");
        require(evalEvery >= 0, "--eval-every " + evalEvery + ": must be >= 0 (0: once per epoch)");
        require(java.util.Set.of("linear", "constant", "polynomial").contains(schedule), "--schedule '" + schedule + "': must be linear, constant or polynomial");
        require(java.util.Set.of("cls", "mean", "auto").contains(pooling.toLowerCase(java.util.Locale.ROOT)), "--pooling '" + pooling + "': must be cls, mean or auto");
        require(java.util.Set.of("petl", "hf").contains(head.toLowerCase(java.util.Locale.ROOT)), "--head '" + head + "': must be petl or hf");
        require(maxSteps == null || maxSteps >= 1, "--max-steps " + maxSteps + ": must be at least 1");
        require(attentionDropout == null || (attentionDropout >= 0 && attentionDropout < 1),
                "--attention-dropout " + attentionDropout + ": must be a probability in [0, 1) (1 would drop everything)");
        require(adamBeta1 >= 0 && adamBeta1 < 1, "--adam-beta1 " + adamBeta1 + ": must be in [0, 1)");
        require(adamBeta2 >= 0 && adamBeta2 < 1, "--adam-beta2 " + adamBeta2 + ": must be in [0, 1)");
        require(adamEps >= 0 && Double.isFinite(adamEps), "--adam-eps " + adamEps + ": must be a finite number >= 0");
        if (select != null) {
            java.util.List<String> allowed = selectable();
            require(allowed.contains(select), "--select '" + select + "': " + task + " selects by " + String.join(" or ", allowed));
        }
        require(weights == null || java.nio.file.Files.isDirectory(weights), "--weights " + weights + ": not a folder (a Hugging Face folder with config.json, model.safetensors, tokenizer.json)");
        require(data == null || java.nio.file.Files.exists(data), "--data " + data + ": no such file or folder");
    }

    /** The metrics --select accepts for the task, its default first. */
    java.util.List<String> selectable() {
        if (!org.petl.tasks.data.Seq2SeqTasks.isSeq2Seq(task)) return java.util.List.of("accuracy", "loss");
        return java.util.List.of(Seq2SeqRuns.isRouge(task) ? "rouge2" : "bleu", "loss");
    }

    /** The attention dropout in effect: --attention-dropout, else --dropout. */
    double attentionDropout() {
        return attentionDropout != null ? attentionDropout : dropout;
    }

    private static void require(boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(message);
    }

    RunSetup setup() {
        validate();
        return new RunSetup(weights != null ? weights.toString() : model, task, data, method, maxLen, dropout, pooling, seed, head, attentionDropout());
    }

    TrainConfig trainConfig() {
        // the task's own metric is no selection to record: a run that names it equals one that does not
        String sel = select == null || select.equals(selectable().get(0)) ? null : select;
        return new TrainConfig(epochs, lr, batch, gradAccum, warmup, weightDecay, clip, labelSmoothing, evalEvery, seed, schedule, maxSteps,
                adamBeta1, adamBeta2, adamEps, sel);
    }

    RunOptions copyWith(String method, double lr, int epochs) {
        RunOptions o = new RunOptions();
        o.model = model;
        o.weights = weights;
        o.task = task;
        o.data = data;
        o.method = method;
        o.epochs = epochs;
        o.lr = lr;
        o.batch = batch;
        o.gradAccum = gradAccum;
        o.maxLen = maxLen;
        o.seed = seed;
        o.warmup = warmup;
        o.weightDecay = weightDecay;
        o.clip = clip;
        o.labelSmoothing = labelSmoothing;
        o.dropout = dropout;
        o.evalEvery = evalEvery;
        o.schedule = schedule;
        o.pooling = pooling;
        o.head = head;
        o.maxSteps = maxSteps;
        o.attentionDropout = attentionDropout;
        o.adamBeta1 = adamBeta1;
        o.adamBeta2 = adamBeta2;
        o.adamEps = adamEps;
        o.select = select;
        return o;
    }

    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", weights != null ? weights.toString() : model);
        o.put("task", task);
        o.put("data", data == null ? null : data.toString());
        o.put("method", method);
        o.put("max_len", maxLen);
        o.put("dropout", dropout);
        // only when it differs from --dropout: run.json (and its hash) of runs without it stay as they were
        if (attentionDropout() != dropout) o.put("attention_dropout", attentionDropout());
        o.put("pooling", pooling);
        o.put("head", head);
        o.put("seed", seed);
        o.put("epochs", epochs);
        o.put("lr", lr);
        o.put("batch", batch);
        return o;
    }

    static String slug(String method) {
        return method.replaceAll("[^A-Za-z0-9.=]+", "_");
    }
}

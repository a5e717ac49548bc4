package org.petl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@code petl bench-step --peer}: petl and the PyTorch peer ({@code petl-bench/peer/step.py}) on the same shapes and
 * methods, taking turns in child processes (one petl, one torch, repeated) so that both see the same machine state;
 * medians over the turns. Each child reports its own best-of-3 seconds per step, peak resident memory and the GEMM
 * rate of its library on the step's main matmul shapes. The faster library's rate per shape is the machine's GEMM
 * floor; a side's share is the time a step's matmuls would take at that floor over its measured step time.
 */
final class PeerComparison {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int D = 384, FFN = 1536, LAYERS = 6;

    private PeerComparison() {
    }

    static int run(StepBenchmark b) throws IOException, InterruptedException {
        Path script = b.peerScript != null ? b.peerScript : defaultScript();
        if (!Files.isRegularFile(script)) throw new IllegalArgumentException("peer script not found: " + script + " (--peer-script)");
        if (!Files.isExecutable(Path.of(b.python))) {
            throw new IllegalArgumentException(b.python + " not found: the peer needs Debian's python3-torch (apt-get install python3-torch libopenblas0-pthread)");
        }
        if (b.alternations <= 0) throw new IllegalArgumentException("--alternations must be positive");
        ObjectNode out = JSON.createObjectNode();
        ArrayNode perThreads = out.putArray("threads");
        StringBuilder md = new StringBuilder("| threads | method | petl s/step | torch s/step | petl ÷ torch | petl ÷ own full | torch ÷ own full | petl GEMM share | torch GEMM share |\n|---|---|---|---|---|---|---|---|---|\n");
        StringBuilder mem = new StringBuilder();
        for (int t : b.threads) {
            if (t <= 0) throw new IllegalArgumentException("--threads must be positive");
            List<JsonNode> petlRuns = new ArrayList<>(), torchRuns = new ArrayList<>();
            for (int a = 0; a < b.alternations; a++) {
                JsonNode p = child(petlCommand(b), t);
                petlRuns.add(p);
                int tokens = p.get("tokens_per_sentence_padded").asInt();
                torchRuns.add(child(List.of(b.python, script.toString(), "--methods", b.methods, "--batch", String.valueOf(p.get("sentences").asInt()),
                        "--tokens", String.valueOf(tokens), "--reps", String.valueOf(b.reps), "--threads", String.valueOf(t)), t));
            }
            JsonNode first = petlRuns.get(0);
            int n = first.get("sentences").asInt() * first.get("tokens_per_sentence_padded").asInt();
            Map<String, Double> floor = new LinkedHashMap<>();
            for (JsonNode run : concat(petlRuns, torchRuns)) {
                run.get("gemm_gflops").fields().forEachRemaining(e -> floor.merge(e.getKey(), e.getValue().asDouble(), Math::max));
            }
            ObjectNode tn = perThreads.addObject();
            tn.put("threads", t);
            tn.put("petl_peak_rss_mib", max(petlRuns, "peak_rss_mib"));
            tn.put("torch_peak_rss_mib", max(torchRuns, "peak_rss_mib"));
            tn.set("gemm_floor_gflops", JSON.valueToTree(floor));
            ArrayNode rows = tn.putArray("methods");
            String[] specs = b.methods.split(";");
            double petlFull = Double.NaN, torchFull = Double.NaN;
            for (int m = 0; m < specs.length; m++) {
                if (specs[m].strip().equals("full")) {
                    petlFull = median(petlRuns, m, "split_s_per_step");
                    torchFull = median(torchRuns, m, "s_per_step");
                }
            }
            for (int m = 0; m < specs.length; m++) {
                String spec = specs[m].strip();
                double ps = median(petlRuns, m, "split_s_per_step"), ts = median(torchRuns, m, "s_per_step");
                double floorS = floorSeconds(n, spec.equals("full"), floor);
                ObjectNode r = rows.addObject();
                r.put("method", spec);
                r.put("petl_s_per_step", ps);
                r.put("torch_s_per_step", ts);
                r.put("ratio_petl_over_torch", ps / ts);
                r.put("petl_over_own_full", ps / petlFull);
                r.put("torch_over_own_full", ts / torchFull);
                r.put("petl_gemm_share", floorS / ps);
                r.put("torch_gemm_share", floorS / ts);
                md.append(String.format(Locale.ROOT, "| %d | `%s` | %.3f | %.3f | %.2f× | %.2f | %.2f | %.0f%% | %.0f%% |%n", t, spec, ps, ts, ps / ts,
                        ps / petlFull, ts / torchFull, 100 * floorS / ps, 100 * floorS / ts));
            }
            mem.append(String.format(Locale.ROOT, "threads %d: peak resident memory petl %.0f MiB (%d graphs), torch %.0f MiB (%d models)%n", t,
                    max(petlRuns, "peak_rss_mib"), specs.length, max(torchRuns, "peak_rss_mib"), specs.length));
        }
        out.put("torch", JSON.readTree(lastJsonLineOf(List.of(b.python, "-c", "import torch,json;print(json.dumps(torch.__version__))"), 1)).asText());
        out.put("machine", System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores");
        System.out.print(md);
        System.out.print(mem);
        System.out.println(JSON.writeValueAsString(out));
        return 0;
    }

    /** Seconds the step's projection and FFN matmuls need at the floor: forward, dx, and dW only under full. */
    static double floorSeconds(int n, boolean full, Map<String, Double> floor) {
        double s = 0;
        int[][] shapes = {{D, D, 4}, {D, FFN, 1}, {FFN, D, 1}};
        for (int[] sh : shapes) {
            Double g = floor.get(n + "x" + sh[0] + "x" + sh[1]);
            if (g == null) return Double.NaN;
            double flops = 2.0 * n * sh[0] * sh[1] * sh[2] * LAYERS * (full ? 3 : 2);
            s += flops / (g * 1e9);
        }
        return s;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static double max(List<JsonNode> runs, String field) {
        return runs.stream().mapToDouble(r -> r.get(field).asDouble()).max().orElse(Double.NaN);
    }

    private static double median(List<JsonNode> runs, int method, String field) {
        double[] v = runs.stream().mapToDouble(r -> r.get("methods").get(method).get(field).asDouble()).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static List<String> petlCommand(StepBenchmark b) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PetlCli.class.getName(), "bench-step", "--split-only",
                "--methods", b.methods, "--sentences", String.valueOf(b.sentences), "--reps", String.valueOf(b.reps), "--max-len", String.valueOf(b.maxLen)));
        return cmd;
    }

    private static JsonNode child(List<String> cmd, int threads) throws IOException, InterruptedException {
        return JSON.readTree(lastJsonLineOf(cmd, threads));
    }

    /** Runs a child with {@code threads} OpenMP/BLAS threads; its last stdout line that is a JSON object or value. */
    private static String lastJsonLineOf(List<String> cmd, int threads) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT);
        pb.environment().put("OMP_NUM_THREADS", String.valueOf(threads));
        pb.environment().put("OPENBLAS_NUM_THREADS", String.valueOf(threads));
        Process p = pb.start();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        List<String> lines = stdout.lines().filter(l -> l.startsWith("{") || l.startsWith("\"")).toList();
        if (rc != 0 || lines.isEmpty()) throw new IllegalStateException("benchmark child failed (exit " + rc + "): " + String.join(" ", cmd.subList(0, Math.min(3, cmd.size()))));
        return lines.get(lines.size() - 1);
    }

    /** petl-bench/peer/step.py of the checkout the running jar was built in (petl-bench's or petl-suite's target). */
    private static Path defaultScript() {
        try {
            Path loc = Path.of(StepBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // <module>/target/<jar or classes>, or petl-suite/target/lib/<jar>: the first parent holding the script
            for (Path dir = loc.getParent(); dir != null; dir = dir.getParent()) {
                Path script = dir.resolve("petl-bench").resolve("peer").resolve("step.py");
                if (Files.isRegularFile(script)) return script;
            }
            return Path.of("petl-bench", "peer", "step.py");
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Path.of("petl-bench", "peer", "step.py");
        }
    }

    /** This process's peak resident set (VmHWM), MiB; NaN where /proc is absent. */
    static double peakRssMib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D", "")) / 1024.0;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Double.NaN;
    }

    /** ND4J's matmul GFLOP/s on the step's main shapes [n, d]·[d, d], [n, d]·[d, ffn], [n, ffn]·[ffn, d]. */
    static ObjectNode nd4jGemmFloor(int n) {
        ObjectNode o = JSON.createObjectNode();
        int[][] shapes = {{D, D}, {D, FFN}, {FFN, D}};
        for (int[] sh : shapes) {
            INDArray a = Nd4j.rand(n, sh[0]), w = Nd4j.rand(sh[0], sh[1]);
            for (int i = 0; i < 3; i++) a.mmul(w);
            int reps = 20;
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) a.mmul(w);
            double s = (System.nanoTime() - t0) / 1e9;
            o.put(n + "x" + sh[0] + "x" + sh[1], 2.0 * n * sh[0] * sh[1] * reps / s / 1e9);
        }
        return o;
    }

}

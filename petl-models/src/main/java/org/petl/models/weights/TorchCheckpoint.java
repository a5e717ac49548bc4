package org.petl.models.weights;

import org.petl.core.io.WeightFileException;
import org.petl.core.tensor.HostTensor;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Reads a PyTorch state dict ({@code pytorch_model.bin}) without running any of its code. Both of
 * {@code torch.save}'s formats are read: the zip format (torch ≥ 1.6: {@code <root>/data.pkl} + one
 * {@code <root>/data/<key>} entry per storage) and the legacy format (mbart-large-cc25 era: magic number,
 * protocol, sys info, the pickle, its storage keys, then each storage as int64 count + raw bytes).
 *
 * <p>A pickle is a program: its {@code GLOBAL} opcodes import any Python callable and {@code REDUCE} calls it.
 * This unpickler is a small interpreter that knows only the opcodes a state dict uses and accepts exactly these
 * globals: {@code collections.OrderedDict}, {@code torch._utils._rebuild_tensor_v2}, {@code _rebuild_tensor},
 * {@code _rebuild_parameter}, and the typed storage classes ({@code torch.FloatStorage}, ...). Anything else (for
 * example {@code os.system}, {@code builtins.eval}) is refused with one line naming it, before anything is called.
 * Tensors come back as float32 (half, bfloat16, double and integer storages are converted), contiguous.
 */
public final class TorchCheckpoint {

    private static final Set<String> REBUILD = Set.of("torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
            "torch._utils._rebuild_parameter");
    /** Storage class to element width in bytes. */
    private static final Map<String, Integer> STORAGES = Map.ofEntries(Map.entry("torch.FloatStorage", 4),
            Map.entry("torch.HalfStorage", 2), Map.entry("torch.BFloat16Storage", 2), Map.entry("torch.DoubleStorage", 8),
            Map.entry("torch.LongStorage", 8), Map.entry("torch.IntStorage", 4), Map.entry("torch.ShortStorage", 2),
            Map.entry("torch.CharStorage", 1), Map.entry("torch.ByteStorage", 1), Map.entry("torch.BoolStorage", 1));
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);

    private TorchCheckpoint() {
    }

    /** The globals a state dict may import; everything else is refused. */
    public static Set<String> allowedGlobals() {
        Set<String> s = new java.util.TreeSet<>(REBUILD);
        s.add("collections.OrderedDict");
        s.addAll(STORAGES.keySet());
        return s;
    }

    /** Name to tensor, in the file's order. */
    public static Map<String, HostTensor> read(Path file) {
        if (!Files.isRegularFile(file)) throw new WeightFileException(file + ": weights file not found");
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, 4) < 2) throw new WeightFileException(file + ": not a PyTorch checkpoint (empty)");
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read (" + e.getMessage() + ")");
        }
        try {
            return head[0] == 'P' && head[1] == 'K' ? readZip(file) : readLegacy(file);
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read PyTorch checkpoint (" + OnnxGraph.oneLine(e) + ")");
        }
    }

    private static Map<String, HostTensor> readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry pkl = zip.stream().filter(e -> e.getName().endsWith("data.pkl") && e.getName().chars().filter(c -> c == '/').count() <= 1)
                    .findFirst().orElseThrow(() -> new WeightFileException(file + ": zip without data.pkl (not a torch.save file)"));
            String root = pkl.getName().substring(0, pkl.getName().length() - "data.pkl".length());
            ZipEntry order = zip.getEntry(root + "byteorder");
            if (order != null) {
                try (InputStream in = zip.getInputStream(order)) {
                    String bo = new String(in.readAllBytes(), StandardCharsets.US_ASCII).trim();
                    if (!bo.equals("little")) throw new WeightFileException(file + ": byte order '" + bo + "' is not supported (little)");
                }
            }
            Object top;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(pkl))) {
                top = new Unpickler(in, file + " (" + pkl.getName() + ")").load();
            }
            Map<String, Object> dict = stateDict(top, file);
            Map<String, float[]> storages = new HashMap<>();
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : dict.entrySet()) {
                if (!(e.getValue() instanceof TensorRef t)) continue;
                float[] data = storages.get(t.storage().key());
                if (data == null) {
                    ZipEntry se = zip.getEntry(root + "data/" + t.storage().key());
                    if (se == null) throw new WeightFileException(file + ": tensor '" + e.getKey() + "': storage entry " + root + "data/" + t.storage().key() + " is missing");
                    long bytes = se.getSize();
                    try (InputStream in = new BufferedInputStream(zip.getInputStream(se), 1 << 16)) {
                        long n = bytes >= 0 ? bytes / t.storage().width() : t.storage().numel();
                        data = readStorage(in, t.storage(), n, file, e.getKey());
                    }
                    storages.put(t.storage().key(), data);
                }
                out.put(e.getKey(), t.materialize(data, file, e.getKey()));
            }
            return out;
        }
    }

    private static Map<String, HostTensor> readLegacy(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            String where = file.toString();
            Object magic = new Unpickler(raw, where).load();
            if (!(magic instanceof BigInteger b && b.equals(LEGACY_MAGIC)) && !(magic instanceof Long l && BigInteger.valueOf(l).equals(LEGACY_MAGIC))) {
                throw new WeightFileException(file + ": not a PyTorch checkpoint (no zip archive and no legacy magic number)");
            }
            Object protocol = new Unpickler(raw, where).load();
            if (!(protocol instanceof Long p) || p != 1001L) throw new WeightFileException(file + ": legacy protocol " + protocol + " is not supported (1001)");
            Object sysInfo = new Unpickler(raw, where).load();
            if (sysInfo instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("little_endian"))) {
                throw new WeightFileException(file + ": big-endian checkpoint is not supported");
            }
            Map<String, Object> dict = stateDict(new Unpickler(raw, where).load(), file);
            Object keys = new Unpickler(raw, where).load();
            if (!(keys instanceof List<?> keyList)) throw new WeightFileException(file + ": legacy checkpoint lacks its storage key list");
            Map<String, StorageRef> refs = new HashMap<>();
            for (Object v : dict.values()) if (v instanceof TensorRef t) refs.putIfAbsent(t.storage().key(), t.storage());
            Map<String, float[]> storages = new HashMap<>();
            DataInputStream in = new DataInputStream(raw);
            for (Object k : keyList) {
                String key = String.valueOf(k);
                long n = Long.reverseBytes(in.readLong());
                StorageRef ref = refs.get(key);
                if (ref == null) {
                    throw new WeightFileException(file + ": storage '" + key + "' belongs to no tensor of the state dict");
                }
                storages.put(key, readStorage(in, ref, n, file, "storage " + key));
            }
            Map<String, HostTensor> out = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : dict.entrySet()) {
                if (!(e.getValue() instanceof TensorRef t)) continue;
                float[] data = storages.get(t.storage().key());
                if (data == null) throw new WeightFileException(file + ": tensor '" + e.getKey() + "': storage " + t.storage().key() + " is not in the file");
                out.put(e.getKey(), t.materialize(data, file, e.getKey()));
            }
            return out;
        } catch (EOFException e) {
            throw new WeightFileException(file + ": unexpected end of file (truncated)");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stateDict(Object top, Path file) {
        if (!(top instanceof Map<?, ?> m)) throw new WeightFileException(file + ": holds a " + describe(top) + ", not a state dict");
        for (String wrapper : new String[]{"state_dict", "model"}) {
            if (m.size() == 1 && m.get(wrapper) instanceof Map<?, ?> inner) return (Map<String, Object>) inner;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }

    private static String describe(Object o) {
        return o == null ? "None" : o.getClass().getSimpleName();
    }

    private static float[] readStorage(InputStream in, StorageRef ref, long n, Path file, String what) throws IOException {
        if (n > Integer.MAX_VALUE) throw new WeightFileException(file + ": " + what + ": storage of " + n + " values is too large");
        int count = (int) n, w = ref.width();
        float[] out = new float[count];
        byte[] chunk = new byte[w * 16384];
        int done = 0;
        while (done < count) {
            int take = Math.min(16384, count - done);
            int got = in.readNBytes(chunk, 0, take * w);
            if (got < take * w) throw new WeightFileException(file + ": " + what + ": storage data ends early (truncated)");
            ByteBuffer b = ByteBuffer.wrap(chunk, 0, take * w).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < take; i++) {
                out[done + i] = switch (ref.type()) {
                    case "torch.FloatStorage" -> b.getFloat();
                    case "torch.HalfStorage" -> halfToFloat(b.getShort() & 0xffff);
                    case "torch.BFloat16Storage" -> Float.intBitsToFloat((b.getShort() & 0xffff) << 16);
                    case "torch.DoubleStorage" -> (float) b.getDouble();
                    case "torch.LongStorage" -> (float) b.getLong();
                    case "torch.IntStorage" -> (float) b.getInt();
                    case "torch.ShortStorage" -> (float) b.getShort();
                    case "torch.CharStorage" -> (float) b.get();
                    case "torch.ByteStorage", "torch.BoolStorage" -> (float) (b.get() & 0xff);
                    default -> throw new IllegalStateException(ref.type());
                };
            }
            done += take;
        }
        return out;
    }

    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        float v;
        if (exp == 0) v = mant * 0x1p-24f;
        else if (exp == 31) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        else v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        return sign == 1 ? -v : v;
    }

    /** An imported Python global; only allow-listed ones are ever created. */
    private record Global(String name) {
    }

    /** A storage named by a persistent id: type, key (zip entry / legacy key), element count. */
    private record StorageRef(String type, String key, long numel) {
        int width() {
            return STORAGES.get(type);
        }
    }

    /** A strided view of a storage, materialised once the storage bytes are read. */
    private record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {

        HostTensor materialize(float[] data, Path file, String name) {
            long n = 1;
            for (long s : size) n *= s;
            if (n > Integer.MAX_VALUE) throw new WeightFileException(file + ": tensor '" + name + "' is too large");
            long last = offset;
            for (int i = 0; i < size.length; i++) if (size[i] > 0) last += (size[i] - 1) * stride[i];
            if (n > 0 && (offset < 0 || last >= data.length)) {
                throw new WeightFileException(file + ": tensor '" + name + "' " + Arrays.toString(size) + " reaches past its storage of " + data.length + " values");
            }
            float[] out = new float[(int) n];
            boolean contiguous = true;
            long expect = 1;
            for (int i = size.length - 1; i >= 0; i--) {
                if (size[i] != 1 && stride[i] != expect) contiguous = false;
                expect *= size[i];
            }
            if (contiguous) {
                System.arraycopy(data, (int) offset, out, 0, (int) n);
            } else {
                long[] idx = new long[size.length];
                for (int k = 0; k < n; k++) {
                    long p = offset;
                    for (int i = 0; i < size.length; i++) p += idx[i] * stride[i];
                    out[k] = data[(int) p];
                    for (int i = size.length - 1; i >= 0; i--) {
                        if (++idx[i] < size[i]) break;
                        idx[i] = 0;
                    }
                }
            }
            return new HostTensor(size.clone(), out);
        }
    }

    /** The restricted pickle interpreter. */
    private static final class Unpickler {
        private static final Object MARK = new Object();
        private final InputStream in;
        private final String where;
        private final List<Object> stack = new ArrayList<>();
        private final Map<Long, Object> memo = new HashMap<>();
        private long pos;

        Unpickler(InputStream in, String where) {
            this.in = in;
            this.where = where;
        }

        private WeightFileException bad(String msg) {
            return new WeightFileException(where + ": " + msg + " (pickle byte " + pos + ")");
        }

        private int u8() throws IOException {
            int b = in.read();
            if (b < 0) throw bad("pickle ends early (truncated)");
            pos++;
            return b;
        }

        private byte[] bytes(long n) throws IOException {
            if (n < 0 || n > Integer.MAX_VALUE) throw bad("bad length " + n);
            byte[] b = in.readNBytes((int) n);
            if (b.length < n) throw bad("pickle ends early (truncated)");
            pos += n;
            return b;
        }

        private long le(int n) throws IOException {
            long v = 0;
            for (int i = 0; i < n; i++) v |= (long) u8() << (8 * i);
            return v;
        }

        private String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c; (c = u8()) != '\n'; ) b.write(c);
            return b.toString(StandardCharsets.UTF_8);
        }

        private Object pop() {
            if (stack.isEmpty()) throw bad("stack underflow");
            return stack.remove(stack.size() - 1);
        }

        private Object peek() {
            if (stack.isEmpty()) throw bad("stack underflow");
            return stack.get(stack.size() - 1);
        }

        private List<Object> popMark() {
            int m = stack.lastIndexOf(MARK);
            if (m < 0) throw bad("no MARK on the stack");
            List<Object> items = new ArrayList<>(stack.subList(m + 1, stack.size()));
            stack.subList(m, stack.size()).clear();
            return items;
        }

        private Global global(String module, String name) {
            String full = module + "." + name;
            if (full.equals("collections.OrderedDict") || REBUILD.contains(full) || STORAGES.containsKey(full)) return new Global(full);
            throw new WeightFileException(where + ": refuses pickle global '" + full
                    + "' (a pickle can run code; only the tensor-rebuild globals of a state dict are allowed)");
        }

        Object load() throws IOException {
            while (true) {
                int op = u8();
                switch (op) {
                    case 0x80 -> u8();                                  // PROTO
                    case 0x95 -> le(8);                                 // FRAME
                    case '.' -> {                                      // STOP
                        return pop();
                    }
                    case 'c' -> stack.add(global(line(), line()));     // GLOBAL
                    case 0x93 -> {                                      // STACK_GLOBAL
                        Object name = pop(), module = pop();
                        if (!(name instanceof String n) || !(module instanceof String m)) throw bad("STACK_GLOBAL needs two strings");
                        stack.add(global(m, n));
                    }
                    case 'q' -> memo.put((long) u8(), peek());         // BINPUT
                    case 'r' -> memo.put(le(4), peek());               // LONG_BINPUT
                    case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                    case 'h' -> stack.add(get((long) u8()));           // BINGET
                    case 'j' -> stack.add(get(le(4)));                 // LONG_BINGET
                    case '}' -> stack.add(new LinkedHashMap<Object, Object>());
                    case ']' -> stack.add(new ArrayList<>());
                    case ')' -> stack.add(List.of());
                    case '(' -> stack.add(MARK);
                    case '0' -> pop();
                    case '1' -> popMark();
                    case '2' -> stack.add(peek());
                    case 'N' -> stack.add(null);
                    case 0x88 -> stack.add(Boolean.TRUE);
                    case 0x89 -> stack.add(Boolean.FALSE);
                    case 'J' -> stack.add((long) (int) le(4));
                    case 'K' -> stack.add((long) u8());
                    case 'M' -> stack.add(le(2));
                    case 0x8a -> stack.add(long1(bytes(u8())));
                    case 0x8b -> stack.add(long1(bytes(le(4))));
                    case 'G' -> stack.add(ByteBuffer.wrap(bytes(8)).getDouble());
                    case 'X' -> stack.add(new String(bytes(le(4)), StandardCharsets.UTF_8));
                    case 0x8c -> stack.add(new String(bytes(u8()), StandardCharsets.UTF_8));
                    case 0x8d -> stack.add(new String(bytes(le(8)), StandardCharsets.UTF_8));
                    case 'T' -> stack.add(new String(bytes(le(4)), StandardCharsets.ISO_8859_1));
                    case 'U' -> stack.add(new String(bytes(u8()), StandardCharsets.ISO_8859_1));
                    case 'B' -> stack.add(bytes(le(4)));
                    case 'C' -> stack.add(bytes(u8()));
                    case 't' -> stack.add(List.copyOf(nullSafe(popMark())));
                    case 0x85 -> stack.add(tuple(pop()));
                    case 0x86 -> {
                        Object b = pop(), a = pop();
                        stack.add(tuple(a, b));
                    }
                    case 0x87 -> {
                        Object c = pop(), b = pop(), a = pop();
                        stack.add(tuple(a, b, c));
                    }
                    case 'a' -> {
                        Object v = pop();
                        list(peek()).add(v);
                    }
                    case 'e' -> {
                        List<Object> items = popMark();
                        list(peek()).addAll(items);
                    }
                    case 's' -> {
                        Object v = pop(), k = pop();
                        dict(peek()).put(k, v);
                    }
                    case 'u' -> {
                        List<Object> items = popMark();
                        Map<Object, Object> d = dict(peek());
                        for (int i = 0; i + 1 < items.size(); i += 2) d.put(items.get(i), items.get(i + 1));
                    }
                    case 'b' -> {                                       // BUILD: state of an OrderedDict (_metadata) is dropped
                        pop();
                        if (!(peek() instanceof Map)) throw bad("BUILD on a " + describe(peek()));
                    }
                    case 'Q' -> stack.add(persistent(pop()));          // BINPERSID
                    case 'R' -> {
                        Object args = pop(), fn = pop();
                        stack.add(reduce(fn, args));
                    }
                    default -> throw bad(String.format("unsupported pickle opcode 0x%02x (not a plain state dict)", op));
                }
            }
        }

        private Object get(long key) {
            if (!memo.containsKey(key)) throw bad("memo key " + key + " is not set");
            return memo.get(key);
        }

        private static List<Object> nullSafe(List<Object> l) {
            return l.contains(null) ? l.stream().map(x -> x == null ? NONE : x).toList() : l;
        }

        private static final Object NONE = new Object() {
            @Override
            public String toString() {
                return "None";
            }
        };

        private static List<Object> tuple(Object... items) {
            return nullSafe(Arrays.asList(items));
        }

        private static BigInteger bigLe(byte[] b) {
            byte[] be = new byte[b.length];
            for (int i = 0; i < b.length; i++) be[i] = b[b.length - 1 - i];
            return be.length == 0 ? BigInteger.ZERO : new BigInteger(be);
        }

        private static Object long1(byte[] b) {
            BigInteger v = bigLe(b);
            return v.bitLength() < 64 ? (Object) v.longValue() : v;
        }

        @SuppressWarnings("unchecked")
        private List<Object> list(Object o) {
            if (o instanceof ArrayList<?> l) return (List<Object>) l;
            throw bad("APPEND on a " + describe(o));
        }

        @SuppressWarnings("unchecked")
        private Map<Object, Object> dict(Object o) {
            if (o instanceof LinkedHashMap<?, ?> m) return (Map<Object, Object>) m;
            throw bad("SETITEM on a " + describe(o));
        }

        private Object persistent(Object pid) {
            if (!(pid instanceof List<?> t) || t.size() < 5 || !"storage".equals(t.get(0)) || !(t.get(1) instanceof Global g)
                    || !STORAGES.containsKey(g.name()) || !(t.get(4) instanceof Long numel)) {
                throw bad("persistent id " + pid + " is not a storage reference");
            }
            if (t.size() > 5 && t.get(5) != NONE) throw bad("storage views of the legacy format are not supported");
            return new StorageRef(g.name(), String.valueOf(t.get(2)), numel);
        }

        private Object reduce(Object fn, Object args) {
            if (!(fn instanceof Global g)) throw bad("REDUCE calls a " + describe(fn) + ", not an allowed global");
            if (!(args instanceof List<?> a)) throw bad("REDUCE arguments are not a tuple");
            switch (g.name()) {
                case "collections.OrderedDict" -> {
                    if (!a.isEmpty()) throw bad("OrderedDict with constructor arguments");
                    return new LinkedHashMap<Object, Object>();
                }
                case "torch._utils._rebuild_parameter" -> {
                    if (a.isEmpty() || !(a.get(0) instanceof TensorRef t)) throw bad("_rebuild_parameter without a tensor");
                    return t;
                }
                case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                    if (a.size() < 4 || !(a.get(0) instanceof StorageRef s) || !(a.get(1) instanceof Long off)) {
                        throw bad(g.name() + " with unexpected arguments " + a);
                    }
                    return new TensorRef(s, off, longs(a.get(2)), longs(a.get(3)));
                }
                default -> throw bad("global " + g.name() + " cannot be called");
            }
        }

        private long[] longs(Object o) {
            if (!(o instanceof List<?> l)) throw bad("expected a tuple of ints, got " + describe(o));
            long[] out = new long[l.size()];
            for (int i = 0; i < out.length; i++) {
                if (!(l.get(i) instanceof Long v)) throw bad("expected a tuple of ints, got " + l);
                out[i] = v;
            }
            return out;
        }
    }
}

package org.petl.core.io;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.petl.core.tensor.HostTensor;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Hugging Face safetensors format: 8-byte little-endian header length N, N bytes of JSON
 * ({@code name -> {dtype, shape, data_offsets}} plus optional {@code __metadata__}), then the raw data.
 * Reads F32, F16 and BF16 (widened to float); writes F32. Every inconsistency is a {@link WeightFileException}
 * naming the file and the tensor.
 */
public final class Safetensors {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L * 1024 * 1024;

    private Safetensors() {
    }

    /** The tensors and metadata of one file. */
    public record Contents(Map<String, HostTensor> tensors, Map<String, String> metadata) {
    }

    public static Map<String, HostTensor> read(Path file) {
        return readWithMetadata(file).tensors();
    }

    public static Contents readWithMetadata(Path file) {
        long fileSize;
        try {
            fileSize = Files.size(file);
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read safetensors file (" + e.getMessage() + ")");
        }
        if (fileSize < 8) throw new WeightFileException(file + ": not a safetensors file (only " + fileSize + " bytes)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || 8 + n > fileSize) {
                throw new WeightFileException(file + ": header length " + n + " does not fit a file of " + fileSize + " bytes (truncated or not safetensors)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, file);
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8).trim());
            } catch (IOException e) {
                throw new WeightFileException(file + ": header is not valid JSON (" + TextFiles.quote(String.valueOf(e.getMessage()).lines().findFirst().orElse(""), 160)
                        + "; truncated or not safetensors)");
            }
            if (!header.isObject()) throw new WeightFileException(file + ": header is not a JSON object");
            long dataStart = 8 + n;
            long dataSize = fileSize - dataStart;
            checkTiling(file, header, dataSize);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, HostTensor> tensors = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String name = e.getKey();
                JsonNode info = e.getValue();
                if (name.equals("__metadata__")) {
                    info.fields().forEachRemaining(m -> metadata.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                tensors.put(name, readTensor(ch, file, name, info, dataStart, dataSize));
            }
            return new Contents(tensors, metadata);
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot read safetensors file (" + e.getMessage() + ")");
        }
    }

    private static HostTensor readTensor(FileChannel ch, Path file, String name, JsonNode info, long dataStart, long dataSize) throws IOException {
        String where = file + ": tensor '" + name + "'";
        String dtype = info.path("dtype").asText("");
        int width = switch (dtype) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default -> throw new WeightFileException(where + ": unsupported dtype '" + dtype + "' (F32, F16, BF16 are read)");
        };
        JsonNode shapeNode = info.path("shape");
        JsonNode offs = info.path("data_offsets");
        if (!shapeNode.isArray() || !offs.isArray() || offs.size() != 2) {
            throw new WeightFileException(where + ": header entry lacks shape or data_offsets");
        }
        long[] shape = new long[shapeNode.size()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode dim = shapeNode.get(i);
            if (!dim.isIntegralNumber() || !dim.canConvertToLong()) throw new WeightFileException(where + ": shape " + TextFiles.quote(shapeNode.toString(), 80) + " holds " + TextFiles.quote(dim.toString(), 40) + ", not a whole number");
            shape[i] = dim.asLong();
            if (shape[i] < 0) throw new WeightFileException(where + ": negative dimension in shape " + shapeNode);
            if (shape[i] > 0 && count > Long.MAX_VALUE / 8 / shape[i]) throw new WeightFileException(where + ": shape " + shapeNode + " is too large to exist");
            count *= shape[i];
        }
        long begin = offs.get(0).asLong(-1), end = offs.get(1).asLong(-1);
        if (begin < 0 || end < begin || end > dataSize) {
            throw new WeightFileException(where + ": data_offsets [" + begin + ", " + end + "] lie outside the data block of " + dataSize + " bytes (truncated file?)");
        }
        if (end - begin != count * width) {
            throw new WeightFileException(where + ": shape " + shapeNode + " of " + dtype + " needs " + count * width + " bytes, data_offsets give " + (end - begin));
        }
        if (count > Integer.MAX_VALUE) throw new WeightFileException(where + ": too large for one tensor (" + count + " values)");
        ByteBuffer buf = ByteBuffer.allocate((int) (end - begin)).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, buf, dataStart + begin, file);
        buf.flip();
        float[] data = new float[(int) count];
        if (width == 4) {
            buf.asFloatBuffer().get(data);
        } else {
            for (int i = 0; i < data.length; i++) {
                int bits = buf.getShort() & 0xffff;
                data[i] = dtype.equals("BF16") ? Float.intBitsToFloat(bits << 16) : halfToFloat(bits);
            }
        }
        for (int i = 0; i < data.length; i++) {
            if (!Float.isFinite(data[i])) {
                throw new WeightFileException(where + ": holds " + data[i] + " at index " + i + " (of " + data.length + "); weights must be finite numbers");
            }
        }
        return new HostTensor(shape, data);
    }

    /**
     * The format's rule for the data block: the tensors' byte ranges, in offset order, tile it exactly, from 0 to
     * its end, without overlaps or gaps. Checked on the header before any data is read.
     */
    static void checkTiling(Path file, JsonNode header, long dataSize) {
        List<long[]> ranges = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                if (!e.getValue().isObject()) throw new WeightFileException(file + ": __metadata__ is not a JSON object");
                continue;
            }
            JsonNode offs = e.getValue().path("data_offsets");
            if (!offs.isArray() || offs.size() != 2 || !offs.get(0).isIntegralNumber() || !offs.get(1).isIntegralNumber()) {
                throw new WeightFileException(file + ": tensor '" + e.getKey() + "': data_offsets must be two whole numbers [begin, end], got " + TextFiles.quote(offs.toString(), 60));
            }
            long begin = offs.get(0).asLong(), end = offs.get(1).asLong();
            if (begin < 0 || end < begin || end > dataSize) {
                throw new WeightFileException(file + ": tensor '" + e.getKey() + "': data_offsets [" + begin + ", " + end + "] lie outside the data block of "
                        + dataSize + " bytes (truncated file?)");
            }
            ranges.add(new long[]{begin, end, names.size()});
            names.add(e.getKey());
        }
        ranges.sort((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        long at = 0;
        String previous = null;
        for (long[] r : ranges) {
            String name = names.get((int) r[2]);
            if (r[0] < at) {
                throw new WeightFileException(file + ": tensor '" + name + "' bytes [" + r[0] + ", " + r[1] + "] overlap tensor '" + previous
                        + "' (ending at " + at + "); the format forbids overlapping tensors");
            }
            if (r[0] > at) {
                throw new WeightFileException(file + ": " + (r[0] - at) + " bytes before tensor '" + name + "' (from " + at + " to " + r[0]
                        + ") belong to no tensor; the format forbids gaps in the data block");
            }
            at = Math.max(at, r[1]);
            previous = name;
        }
        if (at < dataSize) {
            throw new WeightFileException(file + ": the last " + (dataSize - at) + " bytes of the data block belong to no tensor (the tensors end at byte "
                    + at + " of " + dataSize + "); the format forbids gaps");
        }
    }

    /** IEEE 754 half precision to float (Float.float16ToFloat arrives only in Java 20). */
    static float halfToFloat(int h) {
        int sign = (h >>> 15) & 1, exp = (h >>> 10) & 0x1f, mant = h & 0x3ff;
        float v;
        if (exp == 0) v = mant * 0x1p-24f;
        else if (exp == 31) v = mant == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        else v = Float.intBitsToFloat(((exp - 15 + 127) << 23) | (mant << 13));
        return sign == 1 ? -v : v;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) throw new WeightFileException(file + ": unexpected end of file at byte " + pos + " (truncated)");
            pos += r;
        }
    }

    /** Writes F32 tensors, names and metadata keys sorted (the same tensors give the same bytes), atomically (temp file in the same folder, then rename). */
    public static void write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        TreeMap<String, HostTensor> sorted = new TreeMap<>(tensors);
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            new TreeMap<>(metadata).forEach(m::put);       // sorted: a run's files compare equal by hash
        }
        long offset = 0;
        List<HostTensor> order = new ArrayList<>();
        for (Map.Entry<String, HostTensor> e : sorted.entrySet()) {
            HostTensor t = e.getValue();
            ObjectNode info = header.putObject(e.getKey());
            info.put("dtype", "F32");
            var shape = info.putArray("shape");
            for (long d : t.shape()) shape.add(d);
            var offs = info.putArray("data_offsets");
            offs.add(offset);
            offset += 4L * t.data().length;
            offs.add(offset);
            order.add(t);
        }
        byte[] headerBytes;
        try {
            headerBytes = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new WeightFileException(file + ": cannot encode header (" + e.getMessage() + ")");
        }
        int padded = (headerBytes.length + 7) / 8 * 8;
        AtomicFiles.write(file, out -> {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
            out.write(len.array());
            out.write(headerBytes);
            for (int i = headerBytes.length; i < padded; i++) out.write(' ');
            for (HostTensor t : order) {
                ByteBuffer b = ByteBuffer.allocate(4 * t.data().length).order(ByteOrder.LITTLE_ENDIAN);
                b.asFloatBuffer().put(t.data());
                out.write(b.array());
            }
        });
    }
}
